package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// hostImage is one host's software: esx-base plus the VIBs installed on it.
// Its two managers are locked separately by vcsim, hence the mutex.
type hostImage struct {
	host *simulator.HostSystem
	mu   sync.Mutex
	vibs map[string]vib // by name
}

// addImageManagers gives the host its own HostImageConfigManager and
// HostPatchManager (the ESX template points at objects vcsim never creates).
func addImageManagers(host *simulator.HostSystem) {
	image := &hostImage{host: host, vibs: map[string]vib{}}

	icm := &ImageConfigManager{image: image}
	icm.Self = types.ManagedObjectReference{Type: "HostImageConfigManager", Value: "imageconfig-" + host.Self.Value}
	pm := &PatchManager{image: image}
	pm.Self = types.ManagedObjectReference{Type: "HostPatchManager", Value: "patchmanager-" + host.Self.Value}

	simulator.Map.Put(icm)
	simulator.Map.Put(pm)
	host.ConfigManager.ImageConfigManager = &icm.Self
	host.ConfigManager.PatchManager = &pm.Self
}

// packages lists esx-base then the installed VIBs by name, so answers are stable.
func (h *hostImage) packages() []vib {
	h.mu.Lock()
	defer h.mu.Unlock()
	var installed []vib
	for _, v := range h.vibs {
		installed = append(installed, v)
	}
	sort.Slice(installed, func(i, j int) bool { return installed[i].Name < installed[j].Name })
	return append([]vib{esxBaseVIB()}, installed...)
}

func (h *hostImage) inMaintenanceMode() (in bool) {
	simulator.Map.WithLock(h.host, func() { in = h.host.Runtime.InMaintenanceMode })
	return in
}

func (h *hostImage) maintenanceModeError(verb string, v vib) error {
	return fmt.Errorf("MaintenanceModeError: maintenance mode is required to %s VIB %s, but host %s is not in maintenance mode",
		verb, v.id(), h.host.Name)
}

// install downloads every URL first and installs all the VIBs or none, as
// esxupdate does. A VIB already installed at the same version is skipped.
func (h *hostImage) install(urls []string) (*installResult, error) {
	if len(urls) == 0 {
		return nil, errors.New("InstallationError: no VIB URLs given")
	}
	var downloaded []vib
	for _, u := range urls {
		v, err := downloadVIB(u)
		if err != nil {
			return nil, err
		}
		downloaded = append(downloaded, v)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	inMM := h.inMaintenanceMode()
	res := &installResult{}
	var changes []vib
	for _, v := range downloaded {
		old, installed := h.vibs[v.Name]
		if installed && old.Version == v.Version {
			res.Skipped = append(res.Skipped, v.id())
			continue
		}
		if v.MaintenanceMode && !inMM {
			return nil, h.maintenanceModeError("install", v)
		}
		if installed {
			res.Removed = append(res.Removed, old.id())
		}
		res.Installed = append(res.Installed, v.id())
		changes = append(changes, v)
	}
	for _, v := range changes {
		h.vibs[v.Name] = v
	}
	res.Message = "Operation finished successfully."
	return res, nil
}

// uninstall removes the VIBs named (by name or VIB ID), all or none.
func (h *hostImage) uninstall(names []string) (*installResult, error) {
	if len(names) == 0 {
		return nil, errors.New("InstallationError: no VIBs given")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	inMM := h.inMaintenanceMode()
	res := &installResult{}
	var remove []vib
	for _, name := range names {
		v, ok := h.find(name)
		if !ok {
			return nil, fmt.Errorf("NoMatchError: no VIB matching VIB search specification %q on host %s", name, h.host.Name)
		}
		if v.MaintenanceMode && !inMM {
			return nil, h.maintenanceModeError("remove", v)
		}
		res.Removed = append(res.Removed, v.id())
		remove = append(remove, v)
	}
	for _, v := range remove {
		delete(h.vibs, v.Name)
	}
	res.Message = "Operation finished successfully."
	return res, nil
}

func (h *hostImage) find(nameOrID string) (vib, bool) {
	if v, ok := h.vibs[nameOrID]; ok {
		return v, true
	}
	for _, v := range h.vibs {
		if v.id() == nameOrID {
			return v, true
		}
	}
	return vib{}, false
}

// ImageConfigManager is a host's HostImageConfigManager.
type ImageConfigManager struct {
	mo.HostImageConfigManager // first: vcsim's PropertyCollector reads the embedded mo type

	image *hostImage
}

// HostImageConfigGetAcceptance answers the host's acceptance level.
func (m *ImageConfigManager) HostImageConfigGetAcceptance(*types.HostImageConfigGetAcceptance) soap.HasFault {
	return &methods.HostImageConfigGetAcceptanceBody{
		Res: &types.HostImageConfigGetAcceptanceResponse{Returnval: string(types.HostImageAcceptanceLevelPartner)},
	}
}

// HostImageConfigGetProfile answers the image profile the host was built from.
func (m *ImageConfigManager) HostImageConfigGetProfile(*types.HostImageConfigGetProfile) soap.HasFault {
	return &methods.HostImageConfigGetProfileBody{
		Res: &types.HostImageConfigGetProfileResponse{Returnval: types.HostImageProfileSummary{
			Name:   imageProfile,
			Vendor: "VMware, Inc.",
		}},
	}
}

// FetchSoftwarePackages lists esx-base and the installed VIBs.
func (m *ImageConfigManager) FetchSoftwarePackages(*types.FetchSoftwarePackages) soap.HasFault {
	var pkgs []types.SoftwarePackage
	for _, v := range m.image.packages() {
		pkgs = append(pkgs, v.softwarePackage())
	}
	return &methods.FetchSoftwarePackagesBody{Res: &types.FetchSoftwarePackagesResponse{Returnval: pkgs}}
}

// PatchManager is a host's HostPatchManager.
type PatchManager struct {
	mo.HostPatchManager // first: vcsim's PropertyCollector reads the embedded mo type

	image *hostImage
}

// InstallHostPatchV2Task installs the VIBs at vibUrls (the other arguments
// are accepted and ignored).
func (m *PatchManager) InstallHostPatchV2Task(req *types.InstallHostPatchV2_Task) soap.HasFault {
	task := m.runTask("installHostPatchV2Task", func() (*esxupdateResponse, error) {
		res, err := m.image.install(req.VibUrls)
		return &esxupdateResponse{InstallResult: res}, err
	})
	return &methods.InstallHostPatchV2_TaskBody{Res: &types.InstallHostPatchV2_TaskResponse{Returnval: task}}
}

// UninstallHostPatchTask removes the VIBs named in bulletinIds.
func (m *PatchManager) UninstallHostPatchTask(req *types.UninstallHostPatch_Task) soap.HasFault {
	task := m.runTask("uninstallHostPatchTask", func() (*esxupdateResponse, error) {
		res, err := m.image.uninstall(req.BulletinIds)
		return &esxupdateResponse{InstallResult: res}, err
	})
	return &methods.UninstallHostPatch_TaskBody{Res: &types.UninstallHostPatch_TaskResponse{Returnval: task}}
}

// QueryHostPatchTask lists the VIBs on the host.
func (m *PatchManager) QueryHostPatchTask(*types.QueryHostPatch_Task) soap.HasFault {
	task := m.runTask("queryHostPatchTask", func() (*esxupdateResponse, error) {
		list := &vibList{}
		for _, v := range m.image.packages() {
			list.VIBs = append(list.VIBs, vibEntry{ID: v.id(), Name: v.Name, Version: v.Version, Vendor: v.Vendor})
		}
		return &esxupdateResponse{VIBList: list}, nil
	})
	return &methods.QueryHostPatch_TaskBody{Res: &types.QueryHostPatch_TaskResponse{Returnval: task}}
}

// runTask runs op as a task of this manager whose entity is the host, as
// vCenter reports patch manager tasks. Success yields a HostPatchManagerResult;
// failure a PlatformConfigFault whose localizedMessage is op's error. A task
// the lab slowed down (taskfaults.go) runs in the background, as on a real
// host, so that clients see it running; others complete within the call.
func (m *PatchManager) runTask(name string, op func() (*esxupdateResponse, error)) types.ManagedObjectReference {
	task := simulator.CreateTask(m, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		res, err := op()
		if err != nil {
			return nil, &types.PlatformConfigFault{Text: err.Error()}
		}
		return res.result()
	})
	task.Info.Entity = &m.image.host.Self
	task.Info.EntityName = m.image.host.Name
	if labTaskFaults.isDelayed(task.Self) {
		go runAndPublishMessage(task)
	} else {
		runAndPublishMessage(task)
	}
	return task.Self
}

// runAndPublishMessage runs the task. vcsim's Task.Run sets localizedMessage
// to the Go fault type ("*types.PlatformConfigFault"), and pyvmomi shows
// localizedMessage as the fault's msg: publish the real text instead.
func runAndPublishMessage(task *simulator.Task) {
	task.Run()
	if task.Info.Error == nil {
		return
	}
	if fault, ok := task.Info.Error.Fault.(*types.PlatformConfigFault); ok {
		simulator.Map.Update(task, []types.PropertyChange{{
			Name: "info.error",
			Val:  types.LocalizedMethodFault{Fault: fault, LocalizedMessage: fault.Text},
		}})
	}
}

// esxupdateResponse is the xmlResult of a HostPatchManagerResult.
type esxupdateResponse struct {
	XMLName       xml.Name       `xml:"esxupdate-response"`
	Version       string         `xml:"version"`
	InstallResult *installResult `xml:"vib-install-result,omitempty"`
	VIBList       *vibList       `xml:"vib-list,omitempty"`
}

type vibList struct {
	VIBs []vibEntry `xml:"vib"`
}

type installResult struct {
	Installed      []string `xml:"vibs-installed>vib"`
	Removed        []string `xml:"vibs-removed>vib"`
	Skipped        []string `xml:"vibs-skipped>vib"`
	RebootRequired bool     `xml:"reboot-required"`
	Message        string   `xml:"message"`
}

type vibEntry struct {
	ID      string `xml:"id"`
	Name    string `xml:"name"`
	Version string `xml:"version"`
	Vendor  string `xml:"vendor"`
}

const esxupdateVersion = "1.40"

func (r *esxupdateResponse) result() (types.AnyType, types.BaseMethodFault) {
	r.Version = esxupdateVersion
	out, err := xml.Marshal(r)
	if err != nil {
		return nil, &types.PlatformConfigFault{Text: "encoding esxupdate response: " + err.Error()}
	}
	return types.HostPatchManagerResult{Version: esxupdateVersion, XmlResult: string(out)}, nil
}
