package main

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// markUplinks names a switch's uplink port group in config.uplinkPortgroup, as vCenter does (vSphere Web Services
// API, DVSConfigInfo.uplinkPortgroup: "the uplink portgroups"); vcsim 0.24 makes the port group
// ("<switch>-DVUplinks-<n>", CreateDVS_Task) without saying it is the uplinks'.
func markUplinks(s *simulator.DistributedVirtualSwitch) {
	config := s.Config.GetDVSConfigInfo()
	for _, ref := range s.Portgroup {
		pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if ok && strings.HasPrefix(pg.Name, s.Name+"-DVUplinks") && simulator.FindReference(config.UplinkPortgroup, ref) == nil {
			config.UplinkPortgroup = append(config.UplinkPortgroup, ref)
			if pg.Config.Uplink == nil {
				pg.Config.Uplink = types.NewBool(true)
			}
		}
	}
}
