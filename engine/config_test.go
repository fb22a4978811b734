package engine

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestConvertConfig(t *testing.T) {
	cases := []struct {
		name string
		key  ConfigKey
		in   ConfigValue
		want ConfigValue
		err  bool
	}{
		{"int32 plain", ConfigTimeoutInitial, ConfigValue{Type: ConfigInt32, Int: 500}, ConfigValue{Type: ConfigInt32, Int: 500}, false},
		{"int32 clamp low", ConfigSendBufferSize, ConfigValue{Type: ConfigInt32, Int: 10}, ConfigValue{Type: ConfigInt32, Int: 4096}, false},
		{"int32 clamp high", ConfigNagleTime, ConfigValue{Type: ConfigInt32, Int: 999999}, ConfigValue{Type: ConfigInt32, Int: 20000}, false},
		{"int64 into int32", ConfigNagleTime, ConfigValue{Type: ConfigInt64, Int: 100}, ConfigValue{Type: ConfigInt32, Int: 100}, false},
		{"int64 too big for int32", ConfigNagleTime, ConfigValue{Type: ConfigInt64, Int: 1 << 33}, ConfigValue{}, true},
		{"float rounds", ConfigTimeoutConnected, ConfigValue{Type: ConfigFloat, Float: 2.5}, ConfigValue{Type: ConfigInt32, Int: 3}, false},
		{"float rounds neg", ConfigLocalVirtualPort, ConfigValue{Type: ConfigFloat, Float: -0.6}, ConfigValue{Type: ConfigInt32, Int: -1}, false},
		{"string number", ConfigTimeoutConnected, ConfigValue{Type: ConfigString, String: " 1234 "}, ConfigValue{Type: ConfigInt32, Int: 1234}, false},
		{"string bad", ConfigTimeoutConnected, ConfigValue{Type: ConfigString, String: "x"}, ConfigValue{}, true},
		{"float key from int", ConfigFakePacketLossSend, ConfigValue{Type: ConfigInt32, Int: 5}, ConfigValue{Type: ConfigFloat, Float: 5}, false},
		{"float key clamp", ConfigFakePacketLossSend, ConfigValue{Type: ConfigFloat, Float: 150}, ConfigValue{Type: ConfigFloat, Float: 100}, false},
		{"float key from string", ConfigFakePacketDupSend, ConfigValue{Type: ConfigString, String: "2.5"}, ConfigValue{Type: ConfigFloat, Float: 2.5}, false},
		{"string key from int", ConfigP2PSTUNServerList, ConfigValue{Type: ConfigInt32, Int: 7}, ConfigValue{Type: ConfigString, String: "7"}, false},
		{"int64 key", ConfigConnectionUserData, ConfigValue{Type: ConfigInt32, Int: -9}, ConfigValue{Type: ConfigInt64, Int: -9}, false},
		{"int64 key big", ConfigConnectionUserData, ConfigValue{Type: ConfigInt64, Int: 1 << 60}, ConfigValue{Type: ConfigInt64, Int: 1 << 60}, false},
		{"read-only", ConfigMTUDataSize, ConfigValue{Type: ConfigInt32, Int: 1}, ConfigValue{}, true},
		{"unknown", 35, ConfigValue{Type: ConfigInt32, Int: 1}, ConfigValue{}, true},
		{"function pointer null", ConfigCallbackConnectionStatusChanged, ConfigValue{Type: ConfigFunctionPtr}, ConfigValue{Type: ConfigFunctionPtr}, false},
		{"function pointer from int", ConfigCallbackConnectionStatusChanged, ConfigValue{Type: ConfigInt32, Int: 5}, ConfigValue{}, true},
	}
	for _, c := range cases {
		got, err := convertConfig(c.key, c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%s: got %+v, %v", c.name, got, err)
		}
	}
}

// Every NETWORKING_CONFIG_* value in api.json must be in the table.
func TestConfigTableCoversAPIJSON(t *testing.T) {
	b, err := os.ReadFile("/work/shared/spec/api.json")
	if err != nil {
		t.Skip("api.json not available:", err)
	}
	var doc struct {
		Constants []struct {
			Name  string `json:"name"`
			Value int64  `json:"value"`
			Enum  string `json:"enum"`
		} `json:"constants"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range doc.Constants {
		if c.Enum != "NetworkingConfigValue" || c.Value == 0 || c.Value == 0x7FFFFFFF {
			continue
		}
		n++
		if _, ok := DescribeConfig(ConfigKey(c.Value)); !ok {
			t.Errorf("%s (%d) missing from config table", c.Name, c.Value)
		}
	}
	if n < 60 {
		t.Fatalf("only %d config constants found", n)
	}
}

func TestConfigDefaults(t *testing.T) {
	s := NewSockets(Options{})
	defer s.Close()
	checks := map[ConfigKey]int64{
		ConfigTimeoutInitial: 10000, ConfigTimeoutConnected: 10000, ConfigSendBufferSize: 524288,
		ConfigRecvBufferSize: 1048576, ConfigRecvBufferMessages: 1000, ConfigIPAllowWithoutAuth: 2,
		ConfigMTUPacketSize: 1300, ConfigMTUDataSize: 1200, ConfigNagleTime: 5000, ConfigConnectionUserData: -1,
		ConfigFakePacketReorderTime: 15, ConfigFakePacketDupTimeMax: 10, ConfigUnencrypted: 0,
	}
	for k, want := range checks {
		v, ok := s.GlobalConfig(k)
		if !ok || v.Int != want {
			t.Errorf("key %d: %+v", k, v)
		}
	}
	if err := s.SetGlobalConfig(Int32Option(ConfigMTUPacketSize, 1000)); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GlobalConfig(ConfigMTUDataSize); v.Int != 900 {
		t.Fatalf("MTU data size %d", v.Int)
	}
	if err := s.SetGlobalConfig(Int32Option(ConfigMTUDataSize, 5)); err == nil {
		t.Fatal("read-only accepted")
	}
	for _, d := range configTable {
		if d.Name == "" || d.Doc == "" || strings.ContainsAny(d.Name, " ") {
			t.Errorf("key %d lacks a name or doc", d.Key)
		}
	}
}
