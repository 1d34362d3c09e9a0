package main

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// taskFault is one rule of the lab's task fault injection, as the control
// server sends it: tasks named Operation (e.g. "InstallHostPatchV2_Task")
// end in error with Error, or take DelayMs longer. Remaining < 0 means
// every matching task; otherwise each match uses one up.
type taskFault struct {
	ID        string `json:"id"`
	Operation string `json:"operation"`
	Error     string `json:"error,omitempty"`
	DelayMs   int64  `json:"delay_ms,omitempty"`
	Remaining int    `json:"remaining"`
}

// taskFaults holds the rules and applies them to every task vcsim creates:
// it is registered as a Registry handler, so it sees each Task as it is put
// in the inventory, before the task runs.
type taskFaults struct {
	mu      sync.Mutex
	rules   []*taskFault
	delayed map[types.ManagedObjectReference]bool
}

var labTaskFaults = &taskFaults{delayed: map[types.ManagedObjectReference]bool{}}

// Reference identifies the handler in the Registry's handler map.
func (f *taskFaults) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LabTaskFaults", Value: "lab-task-faults"}
}

// PutObject wraps the Execute function of a new task that a rule matches.
func (f *taskFaults) PutObject(obj mo.Reference) {
	task, ok := obj.(*simulator.Task)
	if !ok {
		return
	}
	rule := f.take(task.Info.Name)
	if rule == nil {
		return
	}
	run := task.Execute
	if rule.Error != "" {
		message := rule.Error
		task.Execute = func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			return nil, &types.SystemError{Reason: message}
		}
		return
	}
	delay := time.Duration(rule.DelayMs) * time.Millisecond
	f.mu.Lock()
	f.delayed[task.Self] = true
	f.mu.Unlock()
	task.Execute = func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		time.Sleep(delay)
		return run(t)
	}
}

// UpdateObject publishes an injected error's message as the task's
// localizedMessage (what clients show), which vcsim's Task.Run sets to the
// Go type name of the fault.
func (f *taskFaults) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	task, ok := obj.(*mo.Task)
	if !ok || task.Info.Error == nil {
		return
	}
	fault, ok := task.Info.Error.Fault.(*types.SystemError)
	if !ok || task.Info.Error.LocalizedMessage == fault.Reason {
		return
	}
	for _, change := range changes {
		if change.Name == "info.error" {
			simulator.Map.Update(task, []types.PropertyChange{{
				Name: "info.error",
				Val:  types.LocalizedMethodFault{Fault: fault, LocalizedMessage: fault.Reason},
			}})
			return
		}
	}
}

// RemoveObject forgets a removed task.
func (f *taskFaults) RemoveObject(ref types.ManagedObjectReference) {
	f.mu.Lock()
	delete(f.delayed, ref)
	f.mu.Unlock()
}

// isDelayed tells whether a rule slowed this task down (see PatchManager.runTask).
func (f *taskFaults) isDelayed(ref types.ManagedObjectReference) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delayed[ref]
}

// take returns the first rule for the task name and uses one of its matches up.
func (f *taskFaults) take(taskName string) *taskFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, rule := range f.rules {
		if rule.Operation != taskName || rule.Remaining == 0 {
			continue
		}
		if rule.Remaining > 0 {
			rule.Remaining--
		}
		if rule.Remaining == 0 {
			f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
		}
		return rule
	}
	return nil
}

// ServeHTTP is the control endpoint /lab/task-faults: GET lists the rules
// (with what remains of their counts), PUT replaces them all.
func (f *taskFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var rules []*taskFault
		if err := json.NewDecoder(r.Body).Decode(&rules); err != nil {
			http.Error(w, "body must be a JSON list of task faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.rules = rules
		f.mu.Unlock()
	default:
		http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
		return
	}
	f.mu.Lock()
	body, err := json.Marshal(append([]*taskFault{}, f.rules...))
	f.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
