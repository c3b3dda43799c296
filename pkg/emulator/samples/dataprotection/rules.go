package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// This file holds the writes the emulator refuses because of the state of
// other resources or operations, the way ARM and Data Protection do.

// refuseWhileBusy answers 409 AnotherOperationInProgress to a write on a
// resource whose long-running operation has not finished. Reads, lists
// and actions that start no operation (queries such as
// findRestorableTimeRanges) pass.
func (q *request) refuseWhileBusy() bool {
	n := len(q.segs)
	switch {
	case q.op.kind == kindAction && q.op.lro:
		n--
	case q.op.kind == kindItem || q.op.kind == kindSingleton:
		if m := q.r.Method; m != http.MethodPut && m != http.MethodPatch && m != http.MethodDelete {
			return false
		}
	default:
		return false
	}
	op := q.e.lros.inProgress(q.prefixKey(n), q.e.opts.LROPolls, time.Now())
	if op == nil {
		return false
	}
	writeError(q.w, http.StatusConflict, "AnotherOperationInProgress",
		"Another operation is in progress on '/%s': operation %s (%s, started %s) has not finished. Poll %s until its status is Succeeded, Failed or Canceled, then retry.",
		strings.Join(q.segs[:n], "/"), op.id, op.method, op.started.Format(time.RFC3339), statusURL(q.base, op))
	return true
}

// refuseProtectedDatasource answers Data Protection's 400
// UserErrorDppDatasourceAlreadyProtected when a backup instance other than
// the one at except already protects the datasource resourceID. A
// datasource can be protected by one backup instance only, in any vault.
func (q *request) refuseProtectedDatasource(resourceID, except string) bool {
	if resourceID == "" {
		return false
	}
	name, vaultID, found := q.e.store.datasourceHolder(resourceID, except)
	if !found {
		return false
	}
	writeError(q.w, http.StatusBadRequest, "UserErrorDppDatasourceAlreadyProtected",
		"Datasource is already protected under the Backup vault %s (backup instance %s). Delete the backup instance %s from that vault to re-protect the datasource %s in any other vault.",
		vaultID, name, name, resourceID)
	return true
}

// refuseVaultWithInstances answers 409 Conflict to deleting a backup
// vault that still holds backup instances: unlike most ARM parents, a
// vault is not deleted with its protected items.
func (q *request) refuseVaultWithInstances() bool {
	n := len(q.segs)
	if n < 2 || !strings.EqualFold(q.segs[n-2], "backupVaults") {
		return false
	}
	count, first := q.e.store.collectionSize(q.key + "/backupinstances")
	if count == 0 {
		return false
	}
	writeError(q.w, http.StatusConflict, "Conflict",
		"Backup vault '%s' cannot be deleted as there are existing resources within the vault: %d backup instances (the first is '%s'). Delete its backup instances (DELETE .../backupVaults/%s/backupInstances/{name}), then delete the vault.",
		q.segs[n-1], count, first, q.segs[n-1])
	return true
}

// datasourceOf is properties.dataSourceInfo.resourceID of a backup
// instance body, "" when absent.
func datasourceOf(props map[string]any) string {
	info, _ := props["dataSourceInfo"].(map[string]any)
	id, _ := info["resourceID"].(string)
	return id
}

// validateForBackupDatasource is the datasource a validateForBackup
// request body ({"backupInstance":{...}}) names.
func validateForBackupDatasource(body []byte) string {
	var v struct {
		BackupInstance map[string]any `json:"backupInstance"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return datasourceOf(v.BackupInstance)
}

// datasourceHolder finds the backup instance, other than the one stored
// at except, whose dataSourceInfo.resourceID is resourceID (compared
// case-insensitively, as ARM ids are). It scans every vault's instances:
// a byte search for the id's last segment skips most bodies undecoded.
func (s *store) datasourceHolder(resourceID, except string) (name, vaultID string, found bool) {
	needle := []byte(strings.ToLower(resourceID[strings.LastIndexByte(resourceID, '/')+1:]))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for listKey, c := range s.collections {
		if !strings.HasSuffix(listKey, "/backupinstances") {
			continue
		}
		for _, it := range c.items {
			if it.key == except || !containsFold(it.body, needle) {
				continue
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
			if json.Unmarshal(it.body, &bi) != nil || !strings.EqualFold(bi.Properties.DataSourceInfo.ResourceID, resourceID) {
				continue
			}
			vault, _, _ := strings.Cut(bi.ID, "/backupInstances/")
			return bi.Name, vault, true
		}
	}
	return "", "", false
}

// collectionSize is how many items the list at listKey holds, and the
// first one's name.
func (s *store) collectionSize(listKey string) (int, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.collections[listKey]
	if c == nil || len(c.items) == 0 {
		return 0, ""
	}
	first := c.items[0].key
	return len(c.items), first[strings.LastIndexByte(first, '/')+1:]
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
