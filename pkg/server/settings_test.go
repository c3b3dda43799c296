package server

import (
	"testing"
)

func TestSetAndShowSettings(t *testing.T) {
	s := newSettings(map[string]string{"user": "u", "application_name": "psql"}, "public")
	for _, tt := range []struct {
		text, verb, name, value string
	}{
		{"SET application_name = 'x'", "SET", "application_name", "x"},
		{"SET SESSION search_path TO a, \"b c\"", "SET", "search_path", `a, "b c"`},
		{"set time zone 'UTC'", "SET", "TimeZone", "UTC"},
		{"SET extra_float_digits = 3", "SET", "extra_float_digits", "3"},
		{"SET client_min_messages TO DEFAULT", "RESET", "client_min_messages", ""},
		{"SHOW search_path", "SHOW", "search_path", ""},
		{"SHOW ALL", "SHOW", "", ""},
		{"RESET ALL", "RESET", "", ""},
	} {
		st, ok, err := parseSetting(tt.text, s)
		if !ok || err != nil || st.verb != tt.verb || st.name != tt.name || st.value != tt.value {
			t.Errorf("%s: %+v %v %v", tt.text, st, ok, err)
		}
	}
	if _, ok, _ := parseSetting("SHOW SERVICES IN azure", s); ok {
		t.Error("skyql's SHOW SERVICES was taken for a setting")
	}
	if _, _, err := parseSetting("SET application_name", s); err == nil {
		t.Error("SET without a value was accepted")
	}
	if v, _ := s.get("APPLICATION_NAME"); v != "psql" {
		t.Errorf("the startup message's application_name: %q", v)
	}
	s.set("search_path", `a, "b c", "$user"`, "session")
	if got := s.searchPath(); len(got) != 2 || got[1] != "b c" {
		t.Errorf("search path %q", got)
	}
}
