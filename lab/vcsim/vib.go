package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// vib is what the host keeps of an installed VIB: its descriptor.xml.
type vib struct {
	Type            string
	Name            string
	Version         string
	Vendor          string
	Summary         string
	Description     string
	AcceptanceLevel string
	ReleaseDate     time.Time
	MaintenanceMode bool // system-requires/maintenance-mode: install and remove need it
}

// esxBaseVIB is the base image every host runs; it cannot be installed or removed.
func esxBaseVIB() vib {
	return vib{
		Type:            "bootbank",
		Name:            "esx-base",
		Version:         esxBase,
		Vendor:          "VMware",
		Summary:         "ESXi: The core of the ESXi platform",
		Description:     "ESXi base image",
		AcceptanceLevel: "certified",
		ReleaseDate:     releaseDate,
		MaintenanceMode: true,
	}
}

// id is the esxupdate VIB ID, e.g. VMware_bootbank_spherelet_7.0.3-1.
func (v vib) id() string {
	return v.Vendor + "_" + v.Type + "_" + v.Name + "_" + v.Version
}

func (v vib) softwarePackage() types.SoftwarePackage {
	live := !v.MaintenanceMode
	date := v.ReleaseDate
	return types.SoftwarePackage{
		Name:                    v.Name,
		Version:                 v.Version,
		Type:                    v.Type,
		Vendor:                  v.Vendor,
		AcceptanceLevel:         v.AcceptanceLevel,
		Summary:                 v.Summary,
		Description:             v.Description,
		CreationDate:            &date,
		MaintenanceModeRequired: types.NewBool(v.MaintenanceMode),
		Capability: types.SoftwarePackageCapability{
			LiveInstallAllowed: types.NewBool(live),
			LiveRemoveAllowed:  types.NewBool(live),
			StatelessReady:     types.NewBool(true),
			Overlay:            types.NewBool(false),
		},
	}
}

// maxVIBSize bounds what a download may hold in memory; lab VIBs are tiny.
const maxVIBSize = 64 << 20

var httpClient = &http.Client{Timeout: 10 * time.Second}

// downloadVIB fetches and parses a VIB, as esxupdate does for each vibUrl.
// Errors name the URL: they become the task's error message.
func downloadVIB(rawurl string) (vib, error) {
	res, err := httpClient.Get(rawurl)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL
		}
		return vib{}, fmt.Errorf("DownloadError: cannot download VIB from %s: %v", rawurl, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return vib{}, fmt.Errorf("DownloadError: cannot download VIB from %s: HTTP %s", rawurl, res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxVIBSize))
	if err != nil {
		return vib{}, fmt.Errorf("DownloadError: cannot download VIB from %s: %v", rawurl, err)
	}
	v, err := parseVIB(data)
	if err != nil {
		return vib{}, fmt.Errorf("VibFormatError: %s is not a valid VIB: %v", rawurl, err)
	}
	return v, nil
}

// descriptor is the part of a VIB's descriptor.xml the host uses.
type descriptor struct {
	XMLName         xml.Name `xml:"vib"`
	Type            string   `xml:"type"`
	Name            string   `xml:"name"`
	Version         string   `xml:"version"`
	Vendor          string   `xml:"vendor"`
	Summary         string   `xml:"summary"`
	Description     string   `xml:"description"`
	ReleaseDate     string   `xml:"release-date"`
	AcceptanceLevel string   `xml:"acceptance-level"`
	MaintenanceMode string   `xml:"system-requires>maintenance-mode"`
}

// parseVIB reads a VIB: an ar archive whose first member is descriptor.xml.
func parseVIB(data []byte) (vib, error) {
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(data, []byte(magic)) {
		return vib{}, errors.New("not an ar archive")
	}
	// ar member header: name[16] mtime[12] uid[6] gid[6] mode[8] size[10] "`\n"
	hdr := data[len(magic):]
	if len(hdr) < 60 || string(hdr[58:60]) != "`\n" {
		return vib{}, errors.New("bad ar member header")
	}
	// GNU ar ends names with "/", BSD ar does not.
	if name := strings.TrimSuffix(strings.TrimSpace(string(hdr[:16])), "/"); name != "descriptor.xml" {
		return vib{}, fmt.Errorf("first member is %q, not descriptor.xml", name)
	}
	size, err := strconv.Atoi(strings.TrimSpace(string(hdr[48:58])))
	if err != nil || size < 0 || size > len(hdr)-60 {
		return vib{}, errors.New("bad descriptor.xml size")
	}

	var d descriptor
	if err := xml.Unmarshal(hdr[60:60+size], &d); err != nil {
		return vib{}, fmt.Errorf("descriptor.xml: %v", err)
	}
	v := vib{
		Type:            strings.TrimSpace(d.Type),
		Name:            strings.TrimSpace(d.Name),
		Version:         strings.TrimSpace(d.Version),
		Vendor:          strings.TrimSpace(d.Vendor),
		Summary:         strings.TrimSpace(d.Summary),
		Description:     strings.TrimSpace(d.Description),
		AcceptanceLevel: strings.TrimSpace(d.AcceptanceLevel),
		MaintenanceMode: strings.TrimSpace(d.MaintenanceMode) == "true",
	}
	if v.Name == "" || v.Version == "" || v.Vendor == "" {
		return vib{}, errors.New("descriptor.xml lacks name, version or vendor")
	}
	if v.Type == "" {
		v.Type = "bootbank"
	}
	if v.ReleaseDate, err = parseReleaseDate(strings.TrimSpace(d.ReleaseDate)); err != nil {
		return vib{}, fmt.Errorf("descriptor.xml release-date: %v", err)
	}
	return v, nil
}

// parseReleaseDate accepts the forms found in VIB descriptors, with or
// without a zone (then UTC) or fractional seconds.
func parseReleaseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q", s)
}
