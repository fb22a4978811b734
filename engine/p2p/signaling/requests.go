package signaling

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/internal/proto"
)

// Result codes (EResult) the service answers requests with.
const (
	ResultOK            = proto.ResultOK
	ResultFail          = proto.ResultFail
	ResultInvalidParam  = proto.ResultInvalidParam
	ResultBusy          = proto.ResultBusy
	ResultAccessDenied  = proto.ResultAccessDenied
	ResultLimitExceeded = proto.ResultLimitExceeded
	ResultNoMatch       = proto.ResultNoMatch
	ResultDisabled      = proto.ResultDisabled
	ResultRateLimited   = proto.ResultRateLimited
)

// MaxPendingRequests bounds requests waiting for an answer.
const MaxPendingRequests = 256

// Errors of requests.
var (
	// ErrUnsupported: the service does not offer this feature (an older or
	// differently configured service).
	ErrUnsupported = errors.New("signaling: the rendezvous service does not offer this feature")
	// ErrTooManyRequests: MaxPendingRequests are already waiting.
	ErrTooManyRequests = errors.New("signaling: too many requests waiting for the rendezvous service")
)

// RequestError is a request the service answered with a failure.
type RequestError struct {
	Op     string
	Result int // EResult
	Text   string
}

func (e *RequestError) Error() string {
	s := fmt.Sprintf("signaling: rendezvous service refused %s (EResult %d)", e.Op, e.Result)
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// ResultOf returns the EResult carried by err: ResultOK for nil, the
// service's answer for a *RequestError, ResultDisabled for ErrUnsupported,
// ResultBusy for ErrTooManyRequests, ResultFail otherwise.
func ResultOf(err error) int {
	var re *RequestError
	switch {
	case err == nil:
		return ResultOK
	case errors.As(err, &re):
		return re.Result
	case errors.Is(err, ErrUnsupported):
		return ResultDisabled
	case errors.Is(err, ErrTooManyRequests):
		return ResultBusy
	}
	return ResultFail
}

type requests struct {
	mu      sync.Mutex
	next    uint32
	pending map[uint32]chan *proto.Msg
}

func (r *requests) add() (uint32, chan *proto.Msg, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[uint32]chan *proto.Msg{}
	}
	if len(r.pending) >= MaxPendingRequests {
		return 0, nil, ErrTooManyRequests
	}
	for {
		r.next++
		if r.next != 0 && r.pending[r.next] == nil {
			break
		}
	}
	ch := make(chan *proto.Msg, 1)
	r.pending[r.next] = ch
	return r.next, ch, nil
}

func (r *requests) remove(id uint32) {
	r.mu.Lock()
	delete(r.pending, id)
	r.mu.Unlock()
}

// deliver hands a response to its waiter (unknown ids are ignored: the
// waiter gave up).
func (r *requests) deliver(m *proto.Msg) {
	r.mu.Lock()
	ch := r.pending[m.ReqID]
	delete(r.pending, m.ReqID)
	r.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// failAll ends every waiting request (the session ended).
func (r *requests) failAll(err error) {
	r.mu.Lock()
	all := r.pending
	r.pending = nil
	r.mu.Unlock()
	for _, ch := range all {
		close(ch)
	}
	_ = err
}

// Supports reports whether the current session's service offers feature.
func (c *Client) Supports(feature string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session != nil && slices.Contains(c.session.Features, feature)
}

// request sends one request and waits for its answer. It needs a session
// whose service offers feature.
func (c *Client) request(ctx context.Context, feature string, m *proto.Msg) (*proto.Msg, error) {
	c.mu.Lock()
	conn, sess, closed := c.conn, c.session, c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case sess == nil || conn == nil:
		return nil, ErrNotLoggedIn
	case !slices.Contains(sess.Features, feature):
		return nil, fmt.Errorf("%w (%s)", ErrUnsupported, feature)
	}
	id, ch, err := c.reqs.add()
	if err != nil {
		return nil, err
	}
	defer c.reqs.remove(id)
	m.T, m.ReqID = proto.TRequest, id
	b, err := proto.Encode(m)
	if err != nil {
		return nil, err
	}
	if len(b) > c.cfg.MaxFrame {
		return nil, ErrTooLarge
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(b); err != nil {
		conn.Close()
		return nil, fmt.Errorf("signaling: send failed (will reconnect): %w", err)
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, ErrNotLoggedIn
		}
		if resp.Result != ResultOK {
			return resp, &RequestError{Op: m.Op, Result: resp.Result, Text: resp.Text}
		}
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, ErrClosed
	}
}

// FakeIP is a global FakeIP allocation.
type FakeIP struct {
	IP    uint32 // host-order IPv4
	Ports []uint16
}

// RequestFakeIP asks the service for a global FakeIP with nPorts ports
// (1..4). Asking again returns the same address.
func (c *Client) RequestFakeIP(ctx context.Context, nPorts int) (FakeIP, error) {
	resp, err := c.request(ctx, proto.FeatureFakeIP, &proto.Msg{Op: proto.OpFakeIP, NumPorts: nPorts})
	if err != nil {
		return FakeIP{}, err
	}
	return FakeIP{IP: resp.FakeIP, Ports: resp.FakePorts}, nil
}

// LookupFakeIP resolves a global FakeIP and port (0: any port) to the
// owner's identity and the port's index (-1 when port was 0).
func (c *Client) LookupFakeIP(ctx context.Context, ip uint32, port uint16) (identity string, portIndex int, err error) {
	resp, err := c.request(ctx, proto.FeatureFakeIP, &proto.Msg{Op: proto.OpFakeIPLookup, FakeIP: ip, FakePort: port})
	if err != nil {
		return "", 0, err
	}
	if resp.Identity == "" {
		return "", 0, &RequestError{Op: proto.OpFakeIPLookup, Result: ResultNoMatch, Text: "no owner in the answer"}
	}
	return resp.Identity, resp.PortIndex, nil
}

// HostedRegistration is what the service recorded for a hosted server.
type HostedRegistration struct {
	Addr netip.AddrPort // the address clients reach the server at
	POP  uint32         // SteamNetworkingPOPID of the service's data centre
}

// RegisterHosted registers us as a hosted dedicated server listening on
// addr ("ip:port"; ":port" lets the service use the address it sees us at)
// for virtual port vport.
func (c *Client) RegisterHosted(ctx context.Context, addr string, vport int) (HostedRegistration, error) {
	resp, err := c.request(ctx, proto.FeatureHosted, &proto.Msg{Op: proto.OpHostedRegister, Addr: addr, VirtualPort: vport})
	if err != nil {
		return HostedRegistration{}, err
	}
	ap, perr := netip.ParseAddrPort(resp.Addr)
	if perr != nil {
		return HostedRegistration{}, fmt.Errorf("signaling: service recorded an unreadable address %q", resp.Addr)
	}
	return HostedRegistration{Addr: ap, POP: resp.POP}, nil
}

// UnregisterHosted withdraws virtual port vport (-1: all).
func (c *Client) UnregisterHosted(ctx context.Context, vport int) error {
	_, err := c.request(ctx, proto.FeatureHosted, &proto.Msg{Op: proto.OpHostedUnregister, VirtualPort: vport})
	return err
}

// RelayTicket is a signed relay auth ticket and the routing it names.
type RelayTicket struct {
	Ticket []byte // ticket.Sign format
	Addr   netip.AddrPort
	POP    uint32
}

// RequestRelayTicket asks for a ticket to reach hosted server `server`
// ("steamid:<n>") on vport.
func (c *Client) RequestRelayTicket(ctx context.Context, server string, vport int) (RelayTicket, error) {
	resp, err := c.request(ctx, proto.FeatureHosted, &proto.Msg{Op: proto.OpRelayTicket, To: server, VirtualPort: vport})
	if err != nil {
		return RelayTicket{}, err
	}
	ap, _ := netip.ParseAddrPort(resp.Addr)
	return RelayTicket{Ticket: resp.Ticket, Addr: ap, POP: resp.POP}, nil
}
