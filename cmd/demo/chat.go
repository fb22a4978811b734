package main

import (
	"fmt"
	"strings"
)

// chatServer is the server game: it relays chat lines between clients.
type chatServer struct {
	h       *host
	listen  int64
	group   int64
	address string
	nicks   map[int64]string // connection -> nickname ("" until "/nick")
	history []string

	joined, departed, relayed int
}

const historyLines = 50

func (d *demo) startServer() (*chatServer, error) {
	h, err := d.newHost("server")
	if err != nil {
		return nil, err
	}
	s := &chatServer{h: h, nicks: map[int64]string{}}
	ret, events, err := h.call("createListenSocketIP", "127.0.0.1:0", &dict{})
	if err != nil {
		return nil, err
	}
	if err := handleLogs(h.name, events); err != nil {
		return nil, err
	}
	s.listen, _ = ret.(int64)
	if s.listen == 0 {
		return nil, fmt.Errorf("server: createListenSocketIP(\"127.0.0.1:0\") returned 0")
	}
	ret, _, err = h.call("getListenSocketAddress", s.listen, true)
	if err != nil {
		return nil, err
	}
	s.address, _ = ret.(string)
	if !strings.HasPrefix(s.address, "127.0.0.1:") {
		return nil, fmt.Errorf("server: getListenSocketAddress returned %q, want 127.0.0.1:PORT", s.address)
	}
	ret, _, err = h.call("createPollGroup")
	if err != nil {
		return nil, err
	}
	s.group, _ = ret.(int64)
	if s.group == 0 {
		return nil, fmt.Errorf("server: createPollGroup returned 0")
	}
	console("server", "listening on %s (listen socket %d), relaying chat through poll group %d", s.address, s.listen, s.group)
	return s, nil
}

// frame is one game frame of the server: pump callbacks, react, read the poll group.
func (s *chatServer) frame() error {
	events, err := s.h.pump()
	if err != nil {
		return err
	}
	if err := handleLogs("server", events); err != nil {
		return err
	}
	changes, err := statusChanges("server", events)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if c.info.Int("listen_socket") != s.listen {
			continue
		}
		console("server", "network_connection_status_changed: connection %d %s -> %s (%s)", c.handle, stateName(c.oldState), stateName(c.state), c.info.Str("remote_address"))
		switch c.state {
		case stateConnecting:
			ret, _, err := s.h.call("acceptConnection", c.handle)
			if err != nil {
				return err
			}
			if ret != int64(resultOK) {
				return fmt.Errorf("server: acceptConnection(%d) returned %v", c.handle, ret)
			}
			if ret, _, err = s.h.call("setConnectionPollGroup", c.handle, s.group); err != nil || ret != true {
				return fmt.Errorf("server: setConnectionPollGroup(%d) = %v, %v", c.handle, ret, err)
			}
			s.nicks[c.handle] = ""
		case stateClosedByPeer, stateProblemDetectedLocally:
			nick := s.nicks[c.handle]
			console("server", "client %q left (%s)", nick, describeEnd(c.info))
			if _, _, err := s.h.call("closeConnection", c.handle, 0, "", false); err != nil {
				return err
			}
			delete(s.nicks, c.handle)
			s.departed++
			if nick != "" {
				if err := s.broadcast("* "+nick+" left", 0); err != nil {
					return err
				}
			}
		}
	}

	ret, events, err := s.h.call("receiveMessagesOnPollGroup", s.group, maxMessagesPerReceiveCall)
	if err != nil {
		return err
	}
	if err := handleLogs("server", events); err != nil {
		return err
	}
	msgs, err := messagesOf(ret)
	if err != nil {
		return fmt.Errorf("server: %v", err)
	}
	for _, m := range msgs {
		from := m.Int("connection")
		text := string(m.Value("payload").([]byte))
		if _, ok := s.nicks[from]; !ok {
			return fmt.Errorf("server: a message from unknown connection %d", from)
		}
		if nick, ok := strings.CutPrefix(text, "/nick "); ok {
			s.nicks[from] = nick
			s.joined++
			for _, line := range s.history {
				if err := sendText(s.h, from, line); err != nil {
					return err
				}
			}
			if err := s.broadcast("* "+nick+" joined", 0); err != nil {
				return err
			}
			continue
		}
		s.relayed++
		if err := s.broadcast(s.nicks[from]+": "+text, from); err != nil {
			return err
		}
	}
	return nil
}

// broadcast shows a line on the server console, keeps it for newcomers and
// sends it to every named client except one.
func (s *chatServer) broadcast(line string, except int64) error {
	console("server", "%s", line)
	s.history = append(s.history, line)
	if len(s.history) > historyLines {
		s.history = s.history[1:]
	}
	for conn, nick := range s.nicks {
		if conn != except && nick != "" {
			if err := sendText(s.h, conn, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop closes the listen socket and the poll group, as a game does on exit.
func (s *chatServer) stop() error {
	for _, step := range []struct {
		method string
		handle int64
	}{{"destroyPollGroup", s.group}, {"closeListenSocket", s.listen}} {
		ret, _, err := s.h.call(step.method, step.handle)
		if err != nil {
			return err
		}
		if ret != true {
			return fmt.Errorf("server: %s(%d) returned %v", step.method, step.handle, ret)
		}
	}
	console("server", "closed the poll group and the listen socket")
	return nil
}

// chatClient is one client game.
type chatClient struct {
	name      string
	h         *host
	conn      int64
	state     int64
	received  []string
	encrypted bool
	leaving   bool
	finished  bool
}

func (d *demo) startClient(name, address string) (*chatClient, error) {
	h, err := d.newHost(name)
	if err != nil {
		return nil, err
	}
	c := &chatClient{name: name, h: h}
	options := &dict{Keys: []any{int64(configTimeoutInitial)}, Vals: []any{int64(10000)}}
	ret, events, err := h.call("connectByIPAddress", address, options)
	if err != nil {
		return nil, err
	}
	if err := handleLogs(name, events); err != nil {
		return nil, err
	}
	c.conn, _ = ret.(int64)
	if c.conn == 0 {
		return nil, fmt.Errorf("%s: connectByIPAddress(%q) returned 0", name, address)
	}
	console(name, "connecting to %s (connection %d)", address, c.conn)
	return c, nil
}

func (c *chatClient) frame() error {
	events, err := c.h.pump()
	if err != nil {
		return err
	}
	if err := handleLogs(c.name, events); err != nil {
		return err
	}
	changes, err := statusChanges(c.name, events)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.handle != c.conn || c.finished {
			continue
		}
		c.state = ch.state
		console(c.name, "network_connection_status_changed: %s -> %s", stateName(ch.oldState), stateName(ch.state))
		switch ch.state {
		case stateConnected:
			if err := c.connected(); err != nil {
				return err
			}
		case stateClosedByPeer, stateProblemDetectedLocally:
			return fmt.Errorf("%s: lost the connection to the server (%s)", c.name, describeEnd(ch.info))
		}
	}
	if c.finished || c.state != stateConnected {
		return nil
	}

	ret, events, err := c.h.call("receiveMessagesOnConnection", c.conn, maxMessagesPerReceiveCall)
	if err != nil {
		return err
	}
	if err := handleLogs(c.name, events); err != nil {
		return err
	}
	msgs, err := messagesOf(ret)
	if err != nil {
		return fmt.Errorf("%s: %v", c.name, err)
	}
	for _, m := range msgs {
		if m.Int("flags")&sendReliable == 0 {
			return fmt.Errorf("%s: a chat message arrived without the reliable flag", c.name)
		}
		text := string(m.Value("payload").([]byte))
		c.received = append(c.received, text)
		console(c.name, "%s", text)
		for i, s := range script {
			if s.speaker == c.name && s.after == text {
				if err := c.say(s.line, i == len(script)-1); err != nil {
					return err
				}
			}
		}
		if strings.HasPrefix(text, "* ") && strings.HasSuffix(text, " left") && !c.leaving {
			if err := c.leave("see you"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *chatClient) connected() error {
	ret, _, err := c.h.call("getConnectionInfo", c.conn)
	if err != nil {
		return err
	}
	info, _ := ret.(*dict)
	c.encrypted = info.Int("info_flags")&infoFlagUnencrypted == 0
	encryption := "encrypted"
	if !c.encrypted {
		encryption = "NOT encrypted"
	}
	console(c.name, "connected to %s (%s)", info.Str("remote_address"), encryption)
	if err := sendText(c.h, c.conn, "/nick "+c.name); err != nil {
		return err
	}
	for i, s := range script {
		if s.speaker == c.name && s.after == "" {
			if err := c.say(s.line, i == len(script)-1); err != nil {
				return err
			}
		}
	}
	return nil
}

// say sends a chat line (and echoes it locally, as a chat UI does); the
// speaker of the script's last line leaves right after it.
func (c *chatClient) say(line string, last bool) error {
	console(c.name, "%s: %s   (sent)", c.name, line)
	if err := sendText(c.h, c.conn, line); err != nil {
		return err
	}
	if last {
		return c.leave("bye")
	}
	return nil
}

// leave prints the connection's live status, then closes it with linger so
// queued lines still reach the server.
func (c *chatClient) leave(why string) error {
	c.leaving = true
	ret, _, err := c.h.call("getConnectionRealTimeStatus", c.conn, 0, true)
	if err != nil {
		return err
	}
	status, _ := ret.(*dict)
	if status.Int("response") != resultOK {
		return fmt.Errorf("%s: getConnectionRealTimeStatus response %d", c.name, status.Int("response"))
	}
	live, _ := status.Value("connection_status").(*dict)
	console(c.name, "getConnectionRealTimeStatus: ping %d ms, quality local %s remote %s, send rate %d bytes/s",
		live.Int("ping"), percent(live.Float("local_quality")), percent(live.Float("remote_quality")), live.Int("send_rate"))
	ret, _, err = c.h.call("closeConnection", c.conn, connectionEndAppMin, c.name+" says "+why, true)
	if err != nil {
		return err
	}
	if ret != true {
		return fmt.Errorf("%s: closeConnection returned %v", c.name, ret)
	}
	console(c.name, "left the chat (closeConnection with linger)")
	c.finished = true
	return nil
}

// percent formats a connection quality (0..1, negative while unknown).
func percent(q float64) string {
	if q < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%%", 100*q)
}
