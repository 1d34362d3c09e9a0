package main

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// clusterConfiguration keeps a cluster's `configuration` (ClusterConfigInfo)
// in step with its `configurationEx`, as vCenter does: vcsim 0.24 changes only
// configurationEx. The vSphere Web Services API reference for
// ClusterComputeResource lists `configuration` (deprecated since API 2.5, still
// served by vCenter 7.0 and 8.0) with the cluster's rules and DRS and HA
// settings; community.vmware's vmware_vm_vm_drs_rule finds an existing rule
// through `configuration.rule`, so against vcsim alone its second run tried to
// add the rule again and failed (InvalidArgument).
type clusterConfiguration struct{}

var labClusterConfiguration clusterConfiguration

// Reference identifies the handler in the Registry's handler map.
func (clusterConfiguration) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LabClusterConfiguration", Value: "lab-cluster-configuration"}
}

// PutObject makes each ReconfigureCluster task (vcsim's name for ReconfigureComputeResource_Task) mirror the result once it has run.
func (clusterConfiguration) PutObject(obj mo.Reference) {
	task, ok := obj.(*simulator.Task)
	if !ok || task.Info.Name != "ReconfigureCluster" || task.Info.Entity == nil {
		return
	}
	entity := *task.Info.Entity
	run := task.Execute
	task.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		result, fault := run(t)
		if cluster, ok := simulator.Map.Get(entity).(*simulator.ClusterComputeResource); ok {
			if fault == nil {
				labClusterSwitches.apply(cluster)
			}
			mirrorConfiguration(cluster)
		}
		return result, fault
	}
}

func (clusterConfiguration) UpdateObject(mo.Reference, []types.PropertyChange) {}

func (clusterConfiguration) RemoveObject(types.ManagedObjectReference) {}

// mirrorConfiguration copies what ClusterConfigInfo shares with ClusterConfigInfoEx.
func mirrorConfiguration(c *simulator.ClusterComputeResource) {
	ex := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	c.Configuration.Rule = ex.Rule
	c.Configuration.DrsConfig = ex.DrsConfig
	c.Configuration.DasConfig = ex.DasConfig
	c.Configuration.DasVmConfig = ex.DasVmConfig
	c.Configuration.DrsVmConfig = ex.DrsVmConfig
}
