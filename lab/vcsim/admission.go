package main

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// poolAdmission is the admission control of resource pools on power-on, which vcsim 0.24 does not do: a VM's CPU
// and memory reservations must fit in what its pool leaves unreserved under the pool's limit (vSphere Resource
// Management, "Admission Control": "If enough unreserved CPU and memory are available, or if there is no
// reservation, the virtual machine is powered on"; an expandable pool borrows from its parent, never past its own
// limit). A VM without reservation is always admitted: a limit caps its use, not its power-on. A refused power-on
// ends in InsufficientCpuResourcesFault or InsufficientMemoryResourcesFault (unreserved, requested) and the VM stays
// off. Only the pool's own powered-on VMs count (the lab's namespace pools have no child pool); memory overhead is
// not counted.
type poolAdmission struct{}

var labPoolAdmission = &poolAdmission{}

// Reference identifies the handler in the Registry's handler map.
func (*poolAdmission) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LabPoolAdmission", Value: "lab-pool-admission"}
}

// PutObject puts the check in front of each VM power-on task as vcsim creates it.
func (*poolAdmission) PutObject(obj mo.Reference) {
	task, ok := obj.(*simulator.Task)
	if !ok || task.Info.DescriptionId != "VirtualMachine.powerOn" || task.Info.Entity == nil {
		return
	}
	ref := *task.Info.Entity
	run := task.Execute
	task.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok {
			if fault := admit(vm); fault != nil {
				return nil, fault
			}
		}
		return run(t)
	}
}

// UpdateObject publishes a refusal's message as the task's localizedMessage (vcsim's Task.Run sets the Go type name).
func (*poolAdmission) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	task, ok := obj.(*mo.Task)
	if !ok || task.Info.Error == nil {
		return
	}
	message := refusalMessage(task.Info.Error.Fault)
	if message == "" || task.Info.Error.LocalizedMessage == message {
		return
	}
	for _, change := range changes {
		if change.Name == "info.error" {
			simulator.Map.Update(task, []types.PropertyChange{{
				Name: "info.error", Val: types.LocalizedMethodFault{Fault: task.Info.Error.Fault, LocalizedMessage: message},
			}})
			return
		}
	}
}

func (*poolAdmission) RemoveObject(types.ManagedObjectReference) {}

func admit(vm *simulator.VirtualMachine) types.BaseMethodFault {
	if vm.ResourcePool == nil || vm.Config == nil {
		return nil
	}
	pool, ok := simulator.Map.Get(*vm.ResourcePool).(*simulator.ResourcePool)
	if !ok {
		return nil
	}
	cpuUsed, memoryUsed := reservedBy(pool, vm.Self)
	if unreserved, requested, short := shortfall(pool.Config.CpuAllocation, cpuUsed, vm.Config.CpuAllocation); short {
		return &types.InsufficientCpuResourcesFault{Unreserved: unreserved, Requested: requested}
	}
	if unreserved, requested, short := shortfall(pool.Config.MemoryAllocation, memoryUsed, vm.Config.MemoryAllocation); short {
		return &types.InsufficientMemoryResourcesFault{Unreserved: unreserved, Requested: requested}
	}
	return nil
}

// reservedBy sums the CPU (MHz) and memory (MB) reservations of the pool's powered-on VMs other than `self`.
func reservedBy(pool *simulator.ResourcePool, self types.ManagedObjectReference) (int64, int64) {
	var cpu, memory int64
	for _, ref := range pool.Vm {
		other, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok || ref == self || other.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || other.Config == nil {
			continue
		}
		cpu += reservation(other.Config.CpuAllocation)
		memory += reservation(other.Config.MemoryAllocation)
	}
	return cpu, memory
}

// shortfall: whether a VM reserving `vm` does not fit next to `used` in a pool of `pool`'s allocation.
func shortfall(pool types.ResourceAllocationInfo, used int64, vm *types.ResourceAllocationInfo) (int64, int64, bool) {
	requested := reservation(vm)
	if requested == 0 || pool.Limit == nil || *pool.Limit < 0 {
		return 0, 0, false
	}
	unreserved := *pool.Limit - used
	if unreserved < 0 {
		unreserved = 0
	}
	return unreserved, requested, requested > unreserved
}

func reservation(allocation *types.ResourceAllocationInfo) int64 {
	if allocation == nil || allocation.Reservation == nil {
		return 0
	}
	return *allocation.Reservation
}

func refusalMessage(fault types.BaseMethodFault) string {
	switch f := fault.(type) {
	case *types.InsufficientCpuResourcesFault:
		return fmt.Sprintf("Insufficient CPU resources in the resource pool: %d MHz requested, %d MHz unreserved.", f.Requested, f.Unreserved)
	case *types.InsufficientMemoryResourcesFault:
		return fmt.Sprintf("Insufficient memory resources in the resource pool: %d MB requested, %d MB unreserved.", f.Requested, f.Unreserved)
	}
	return ""
}
