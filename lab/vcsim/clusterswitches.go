package main

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// clusterSwitches makes ReconfigureComputeResource_Task turn DRS and vSphere
// HA on and off (spec.drsConfig.enabled / defaultVmBehavior,
// spec.dasConfig.enabled), as vCenter does (vSphere Web Services API,
// ClusterConfigSpecEx: "DRS configuration", "HA configuration"); vcsim 0.24
// applies only the spec's rules, groups and VM overrides. The task closes
// over its request, so the spec is taken from the SOAP body on its way in
// (keyed by the cluster) and applied when the task has run (clusterconfig.go).
type clusterSwitches struct {
	mu      sync.Mutex
	pending map[types.ManagedObjectReference]*types.ClusterConfigSpecEx
}

var labClusterSwitches = &clusterSwitches{pending: map[types.ManagedObjectReference]*types.ClusterConfigSpecEx{}}

// wrap reads the spec of each ReconfigureComputeResource_Task before vcsim handles the request.
func (s *clusterSwitches) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Body != nil {
			body, err := ioutil.ReadAll(r.Body)
			if err == nil && bytes.Contains(body, []byte("ReconfigureComputeResource_Task")) {
				s.remember(body)
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *clusterSwitches) remember(body []byte) {
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return // vcsim answers the malformed request itself
	}
	call, ok := method.Body.(*types.ReconfigureComputeResource_Task)
	if !ok {
		return
	}
	if spec, ok := call.Spec.(*types.ClusterConfigSpecEx); ok {
		s.mu.Lock()
		s.pending[call.This] = spec
		s.mu.Unlock()
	}
}

// apply sets the switches the cluster's last reconfiguration asked for.
func (s *clusterSwitches) apply(c *simulator.ClusterComputeResource) {
	s.mu.Lock()
	spec := s.pending[c.Self]
	delete(s.pending, c.Self)
	s.mu.Unlock()
	if spec == nil {
		return
	}
	ex := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if drs := spec.DrsConfig; drs != nil {
		if drs.Enabled != nil {
			ex.DrsConfig.Enabled = drs.Enabled
		}
		if drs.DefaultVmBehavior != "" {
			ex.DrsConfig.DefaultVmBehavior = drs.DefaultVmBehavior
		}
	}
	if das := spec.DasConfig; das != nil && das.Enabled != nil {
		ex.DasConfig.Enabled = das.Enabled
	}
}
