package dataprotection

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/skyql/skyql/pkg/emulator/arm"
)

// Rules is what Data Protection does beyond generic ARM:
//   - 400 UserErrorDppDatasourceAlreadyProtected to a backup instance, or
//     a validateForBackup, naming a datasource another instance protects
//     (a datasource is protected by one instance only, in any vault);
//   - 409 Conflict to deleting a backup vault that holds backup instances;
//   - a new backup instance is ProtectionConfigured, with policy version
//     1.0 unless given;
//   - stopProtection, suspendBackups, resumeProtection and resumeBackups
//     change the instance's protection state.
type Rules struct{}

const (
	instanceType = "microsoft.dataprotection/backupvaults/backupinstances"
	vaultType    = "microsoft.dataprotection/backupvaults"
)

// Admit refuses the writes Data Protection refuses and fills in a new
// backup instance's read-only state.
func (Rules) Admit(st *arm.Store, w *arm.Write) error {
	typ := strings.ToLower(w.Type)
	switch {
	case w.Method == http.MethodPut && typ == instanceType:
		props, _ := w.Body["properties"].(map[string]any)
		if err := refuseProtected(st, datasourceOf(props), w.Key); err != nil {
			return err
		}
		if props != nil {
			applyInstanceDefaults(props)
		}
	case w.Method == http.MethodPost && strings.EqualFold(w.Action, "validateForBackup"):
		instance, _ := w.Body["backupInstance"].(map[string]any)
		return refuseProtected(st, datasourceOf(instance), "")
	case w.Method == http.MethodDelete && typ == vaultType:
		if count, first := st.Count(w.Key + "/backupinstances"); count > 0 {
			name := w.Key[strings.LastIndexByte(w.Key, '/')+1:]
			return arm.Errorf(http.StatusConflict, "Conflict",
				"Backup vault '%s' cannot be deleted as there are existing resources within the vault: %d backup instances (the first is '%s'). Delete its backup instances (DELETE .../backupVaults/%s/backupInstances/{name}), then delete the vault.",
				name, count, first, name)
		}
	}
	return nil
}

// Applied records an action's effect on its backup instance.
func (Rules) Applied(st *arm.Store, w *arm.Write) {
	if w.Method != http.MethodPost || strings.ToLower(w.Type) != instanceType {
		return
	}
	states, ok := instanceActionStates[strings.ToLower(w.Action)]
	if !ok {
		return
	}
	body, ok := st.Get(w.Key)
	if !ok {
		return
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return
	}
	props["currentProtectionState"] = states[0]
	props["protectionStatus"] = map[string]any{"status": states[1]}
	if updated, err := json.Marshal(m); err == nil {
		st.Update(w.Key, updated)
	}
}

// refuseProtected is Data Protection's 400
// UserErrorDppDatasourceAlreadyProtected when a backup instance other than
// the one at except already protects the datasource resourceID.
func refuseProtected(st *arm.Store, resourceID, except string) error {
	if resourceID == "" {
		return nil
	}
	name, vaultID, found := datasourceHolder(st, resourceID, except)
	if !found {
		return nil
	}
	return arm.Errorf(http.StatusBadRequest, "UserErrorDppDatasourceAlreadyProtected",
		"Datasource is already protected under the Backup vault %s (backup instance %s). Delete the backup instance %s from that vault to re-protect the datasource %s in any other vault.",
		vaultID, name, name, resourceID)
}

// datasourceOf is properties.dataSourceInfo.resourceID of a backup
// instance body, "" when absent.
func datasourceOf(props map[string]any) string {
	info, _ := props["dataSourceInfo"].(map[string]any)
	id, _ := info["resourceID"].(string)
	return id
}

// datasourceHolder finds the backup instance, other than the one stored
// at except, whose dataSourceInfo.resourceID is resourceID (compared
// case-insensitively, as ARM ids are). It scans every vault's instances:
// a byte search for the id's last segment skips most bodies undecoded.
func datasourceHolder(st *arm.Store, resourceID, except string) (name, vaultID string, found bool) {
	needle := []byte(strings.ToLower(resourceID[strings.LastIndexByte(resourceID, '/')+1:]))
	st.Scan("/backupinstances", func(key string, body []byte) bool {
		if key == except || !containsFold(body, needle) {
			return true
		}
		var bi struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			Properties struct {
				DataSourceInfo struct {
					ResourceID string `json:"resourceID"`
				} `json:"dataSourceInfo"`
			} `json:"properties"`
		}
		if json.Unmarshal(body, &bi) != nil || !strings.EqualFold(bi.Properties.DataSourceInfo.ResourceID, resourceID) {
			return true
		}
		vaultID, _, _ = strings.Cut(bi.ID, "/backupInstances/")
		name, found = bi.Name, true
		return false
	})
	return name, vaultID, found
}

// applyInstanceDefaults fills the read-only properties the service sets
// on a backup instance it accepted.
func applyInstanceDefaults(props map[string]any) {
	props["currentProtectionState"] = "ProtectionConfigured"
	props["protectionStatus"] = map[string]any{"status": "ProtectionConfigured"}
	if pi, ok := props["policyInfo"].(map[string]any); ok {
		if _, has := pi["policyVersion"]; !has {
			pi["policyVersion"] = "1.0"
		}
	}
}

// instanceActionStates: what a backup instance action leaves behind
// (currentProtectionState, protectionStatus.status).
var instanceActionStates = map[string][2]string{
	"stopprotection":   {"ProtectionStopped", "ProtectionStopped"},
	"suspendbackups":   {"BackupSchedulesSuspended", "ProtectionConfigured"},
	"resumeprotection": {"ProtectionConfigured", "ProtectionConfigured"},
	"resumebackups":    {"ProtectionConfigured", "ProtectionConfigured"},
}

// containsFold reports whether b contains lowerNeedle, ASCII case ignored.
// Candidates are found with bytes.IndexByte, once per case of the first
// byte, which keeps scanning a 100,000-instance store short.
func containsFold(b, lowerNeedle []byte) bool {
	if len(lowerNeedle) == 0 {
		return true
	}
	first := lowerNeedle[0]
	cases := []byte{first}
	if 'a' <= first && first <= 'z' {
		cases = append(cases, first-'a'+'A')
	}
	for _, c := range cases {
		for i := 0; i+len(lowerNeedle) <= len(b); i++ {
			j := bytes.IndexByte(b[i:len(b)-len(lowerNeedle)+1], c)
			if j < 0 {
				break
			}
			i += j
			if bytes.EqualFold(b[i:i+len(lowerNeedle)], lowerNeedle) {
				return true
			}
		}
	}
	return false
}
