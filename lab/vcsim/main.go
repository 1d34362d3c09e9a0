// Command pacific-vcsim is the lab's vCenter: govmomi's vcsim VPX model shaped
// like a vSphere 8.0 Update 3 (or 7.0 Update 3) inventory ready for vSphere with Tanzu (clustered hosts
// only, DRS fully automated), plus per-host VIB management that vcsim lacks
// (see hostimage.go). It serves plain HTTP on loopback; the lab's front door
// terminates TLS in front of it.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/types"
)

// The release the lab reports, set from the flags (the lab passes its LAB_VCENTER_VERSION's values).
var (
	version      string
	apiVersion   string
	build        string
	hostBuild    string
	esxBase      string
	imageProfile string
	releaseDate  time.Time
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host:port to serve plain HTTP on")
	clusters := flag.Int("clusters", 2, "number of clusters")
	hosts := flag.Int("hosts", 3, "number of hosts per cluster")
	username := flag.String("username", "administrator@vsphere.local", "the only user name that can log in")
	password := flag.String("password", "VMware1!", "the only password that can log in")
	flag.StringVar(&version, "version", "8.0.3", "About.version")
	flag.StringVar(&apiVersion, "api-version", "8.0.3.0", "About.apiVersion")
	flag.StringVar(&build, "build", "24022515", "vCenter's About.build")
	flag.StringVar(&hostBuild, "host-build", "24022510", "the hosts' About.build")
	flag.StringVar(&esxBase, "esx-base", "8.0.3-0.0.24022510", "the hosts' esx-base VIB version")
	flag.StringVar(&imageProfile, "image-profile", "ESXi-8.0U3-24022510-standard", "the hosts' image profile")
	date := flag.String("release-date", "2024-06-25", "the release date of esx-base")
	flag.Parse()
	var err error
	if releaseDate, err = time.Parse("2006-01-02", *date); err != nil {
		log.Fatalf("-release-date: %v", err)
	}

	m := simulator.VPX()
	m.Cluster = *clusters
	m.ClusterHost = *hosts
	m.Host = 0 // Supervisor clusters: every host belongs to a cluster.

	// Model.Create copies these templates into the ServiceInstance and every
	// HostSystem, so they must be set first.
	about := &m.ServiceContent.About
	about.FullName = "VMware vCenter Server " + version + " build-" + build
	about.Version = version
	about.Build = build
	about.ApiVersion = apiVersion
	about.LicenseProductVersion = version[:3]
	product := &esx.HostConfigInfo.Product // also summary.config.product
	product.FullName = "VMware ESXi " + version + " build-" + hostBuild
	product.Version = version
	product.Build = hostBuild
	product.ApiVersion = apiVersion
	product.LicenseProductVersion = version[:3]

	if err := m.Create(); err != nil {
		log.Fatalf("creating inventory: %v", err)
	}
	defer m.Remove() // the datastores' temporary directories

	for _, e := range simulator.Map.All("ClusterComputeResource") {
		fullyAutomatedDRS(e.(*simulator.ClusterComputeResource))
		mirrorConfiguration(e.(*simulator.ClusterComputeResource))
	}
	for _, e := range simulator.Map.All("HostSystem") {
		addImageManagers(e.(*simulator.HostSystem))
	}
	for _, e := range simulator.Map.All("DistributedVirtualSwitch") {
		markUplinks(e.(*simulator.DistributedVirtualSwitch))
	}
	simulator.Map.AddHandler(labTaskFaults)
	simulator.Map.AddHandler(labClusterConfiguration)
	simulator.Map.AddHandler(labPoolAdmission)

	// vcsim's SessionManager.Login accepts exactly the credentials in Listen.User.
	m.Service.Listen = &url.URL{Scheme: "http", Host: *listen, User: url.UserPassword(*username, *password)}
	m.Service.RegisterEndpoints = true
	// The lab's control server drives fault injection through /lab/ (see taskfaults.go).
	m.Service.ServeMux = http.NewServeMux()
	m.Service.ServeMux.Handle("/lab/task-faults", labTaskFaults)
	server := m.Service.NewServer()
	defer server.Close()
	// Before the first request (READY is not printed yet): see clusterswitches.go.
	server.Config.Handler = labClusterSwitches.wrap(server.Config.Handler)

	// The lab waits for this line; os.Stdout is unbuffered. server.URL holds
	// the credentials, so print only its host.
	fmt.Printf("READY http://%s/sdk\n", server.URL.Host)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

// fullyAutomatedDRS completes what vcsim sets on a new cluster (DRS enabled,
// but no automation level), as Workload Management requires.
func fullyAutomatedDRS(c *simulator.ClusterComputeResource) {
	drs := &c.ConfigurationEx.(*types.ClusterConfigInfoEx).DrsConfig
	drs.Enabled = types.NewBool(true)
	drs.EnableVmBehaviorOverrides = types.NewBool(true)
	drs.DefaultVmBehavior = types.DrsBehaviorFullyAutomated
	drs.VmotionRate = 3
}
