// gnspeer: a small test peer for the engine's interop tests, written against
// the public API headers of Valve's GameNetworkingSockets (GNS). The Go
// tests (engine/interop_peer_test.go) compile it at test time with the
// system C++ compiler and link it to an unmodified GNS library given by
// GNS_INCLUDE_DIR / GNS_BIN_DIR. Nothing of GNS is part of this repository.
//
// Usage:
//   gnspeer server --port P [options]   listen on [::]:P, accept one connection
//   gnspeer client IP:PORT [options]    connect to IP:PORT
// Options:
//   --loss PCT      FakePacketLoss_Send and _Recv (global), percent
//   --rate BPS      SendRateMin and SendRateMax, bytes/s
//   --sendbuf BYTES SendBufferSize
//   --recvbuf N     RecvBufferSize (bytes) and RecvBufferMessages
//   --decodelog 1   log every decoded SNP frame to stderr (debugging)
//
// Commands, one per line on stdin:
//   lanes N P0..PN-1 W0..WN-1   ConfigureConnectionLanes
//   send COUNT SIZE rel|unrel LANE
//                               queue COUNT messages; the payload of message
//                               number M on lane L of size S is pattern(L,M,S)
//   stream MS SIZE              from now on send one unreliable message of SIZE
//                               bytes on lane 0 every MS ms (0 stops)
//   status                      print the real-time status (lanes too)
//   detailed                    print GetDetailedConnectionStatus
//   close                       close the connection with linger
//   quit                        exit
// Output lines on stdout (space separated key=value after a keyword):
//   listening port=P | state old=A new=B reason=R debug=TEXT | connected
//   sent lane=L num=M size=S rel=0|1 | senddone | sendfail result=R
//   recv lane=L num=M size=S rel=0|1 ok=0|1
//   status ... | lane i=... | detail TEXT | lanes result=R | error TEXT
#include <steam/isteamnetworkingsockets.h>
#include <steam/isteamnetworkingutils.h>
#include <steam/steamnetworkingsockets.h>

#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <sstream>
#include <string>
#include <vector>

namespace {

ISteamNetworkingSockets *g_api;
HSteamListenSocket g_listen = k_HSteamListenSocket_Invalid;
HSteamNetConnection g_conn = k_HSteamNetConnection_Invalid;
bool g_connected;
int64_t g_nextNum[256];  // next expected message number per lane (sender)
int g_numLanes = 1;

void out(const std::string &s) {
	fputs(s.c_str(), stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

// pattern fills the payload of message num on lane with size bytes: a
// xorshift64* stream seeded from (lane, num, size). Both sides compute it.
void pattern(std::vector<uint8_t> &buf, int lane, int64_t num, int size) {
	uint64_t x = (uint64_t(lane) + 1) * 0x9E3779B97F4A7C15ull ^ uint64_t(num) * 0xBF58476D1CE4E5B9ull ^ uint64_t(size);
	if (x == 0) x = 1;
	buf.resize(size);
	for (int i = 0; i < size; i++) {
		if ((i & 7) == 0) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
		}
		uint64_t v = x * 0x2545F4914F6CDD1Dull;
		buf[i] = uint8_t(v >> (8 * (i & 7)));
	}
}

struct SendJob {
	int count, size, lane;
	bool reliable;
};
std::deque<SendJob> g_jobs;
int g_streamMS, g_streamSize;
SteamNetworkingMicroseconds g_streamNext;
std::vector<uint8_t> g_buf;

void onStatus(SteamNetConnectionStatusChangedCallback_t *info) {
	std::ostringstream o;
	o << "state old=" << info->m_eOldState << " new=" << info->m_info.m_eState
	  << " reason=" << info->m_info.m_eEndReason << " debug=" << info->m_info.m_szEndDebug;
	out(o.str());
	switch (info->m_info.m_eState) {
	case k_ESteamNetworkingConnectionState_Connecting:
		if (g_listen != k_HSteamListenSocket_Invalid && info->m_info.m_hListenSocket == g_listen) {
			if (g_conn != k_HSteamNetConnection_Invalid) {
				g_api->CloseConnection(info->m_hConn, 1000, "busy", false);
				break;
			}
			g_conn = info->m_hConn;
			if (g_api->AcceptConnection(info->m_hConn) != k_EResultOK) out("error accept failed");
		}
		break;
	case k_ESteamNetworkingConnectionState_Connected:
		if (info->m_hConn == g_conn) {
			g_connected = true;
			out("connected");
		}
		break;
	case k_ESteamNetworkingConnectionState_ClosedByPeer:
	case k_ESteamNetworkingConnectionState_ProblemDetectedLocally:
		if (info->m_hConn == g_conn) {
			g_api->CloseConnection(info->m_hConn, 0, nullptr, false);
			g_conn = k_HSteamNetConnection_Invalid;
			g_connected = false;
			out("closed");
		}
		break;
	default:
		break;
	}
}

void onDebug(ESteamNetworkingSocketsDebugOutputType, const char *msg) { fprintf(stderr, "gns: %s\n", msg); }

// pumpSends sends queued messages until the send buffer is full.
void pumpSends() {
	while (g_connected && !g_jobs.empty()) {
		SendJob &j = g_jobs.front();
		if (j.count == 0) {
			g_jobs.pop_front();
			out("senddone");
			continue;
		}
		int64_t num = g_nextNum[j.lane];
		pattern(g_buf, j.lane, num, j.size);
		SteamNetworkingMessage_t *m = SteamNetworkingUtils()->AllocateMessage(j.size);
		memcpy(m->m_pData, g_buf.data(), j.size);
		m->m_conn = g_conn;
		m->m_nFlags = j.reliable ? k_nSteamNetworkingSend_Reliable : k_nSteamNetworkingSend_Unreliable;
		m->m_idxLane = uint16(j.lane);
		int64 res = 0;
		g_api->SendMessages(1, &m, &res, true);
		if (res == -k_EResultLimitExceeded) return;  // retry later
		if (res < 0) {
			out("sendfail result=" + std::to_string(-res));
			g_jobs.pop_front();
			continue;
		}
		std::ostringstream o;
		o << "sent lane=" << j.lane << " num=" << res << " size=" << j.size << " rel=" << (j.reliable ? 1 : 0);
		if (res != num) o << " expected=" << num;
		out(o.str());
		g_nextNum[j.lane] = res + 1;
		j.count--;
	}
}

void receive() {
	if (g_conn == k_HSteamNetConnection_Invalid) return;
	SteamNetworkingMessage_t *msgs[64];
	std::vector<uint8_t> want;
	for (;;) {
		int n = g_api->ReceiveMessagesOnConnection(g_conn, msgs, 64);
		if (n <= 0) return;
		for (int i = 0; i < n; i++) {
			SteamNetworkingMessage_t *m = msgs[i];
			pattern(want, m->m_idxLane, m->m_nMessageNumber, m->m_cbSize);
			bool ok = memcmp(want.data(), m->m_pData, m->m_cbSize) == 0;
			std::ostringstream o;
			o << "recv lane=" << m->m_idxLane << " num=" << m->m_nMessageNumber << " size=" << m->m_cbSize
			  << " rel=" << ((m->m_nFlags & k_nSteamNetworkingSend_Reliable) ? 1 : 0) << " ok=" << (ok ? 1 : 0);
			out(o.str());
			m->Release();
		}
	}
}

void printStatus() {
	if (g_conn == k_HSteamNetConnection_Invalid) {
		out("error no connection");
		return;
	}
	SteamNetConnectionRealTimeStatus_t st;
	std::vector<SteamNetConnectionRealTimeLaneStatus_t> lanes(g_numLanes);
	EResult r = g_api->GetConnectionRealTimeStatus(g_conn, &st, g_numLanes, lanes.data());
	if (r != k_EResultOK) {
		out("error status result=" + std::to_string(r));
		return;
	}
	SteamNetConnectionInfo_t info;
	int flags = -1;
	if (g_api->GetConnectionInfo(g_conn, &info)) flags = info.m_nFlags;
	std::ostringstream o;
	o << "status state=" << st.m_eState << " ping=" << st.m_nPing << " qlocal=" << st.m_flConnectionQualityLocal
	  << " qremote=" << st.m_flConnectionQualityRemote << " outpps=" << st.m_flOutPacketsPerSec
	  << " outbps=" << st.m_flOutBytesPerSec << " inpps=" << st.m_flInPacketsPerSec << " inbps=" << st.m_flInBytesPerSec
	  << " rate=" << st.m_nSendRateBytesPerSecond << " pendrel=" << st.m_cbPendingReliable
	  << " pendunrel=" << st.m_cbPendingUnreliable << " unacked=" << st.m_cbSentUnackedReliable
	  << " queuetime=" << st.m_usecQueueTime << " flags=" << flags;
	out(o.str());
	for (int i = 0; i < g_numLanes; i++) {
		std::ostringstream l;
		l << "lane i=" << i << " pendrel=" << lanes[i].m_cbPendingReliable << " pendunrel=" << lanes[i].m_cbPendingUnreliable
		  << " unacked=" << lanes[i].m_cbSentUnackedReliable << " queuetime=" << lanes[i].m_usecQueueTime;
		out(l.str());
	}
}

void printDetailed() {
	if (g_conn == k_HSteamNetConnection_Invalid) {
		out("error no connection");
		return;
	}
	std::vector<char> buf(1 << 16);
	int r = g_api->GetDetailedConnectionStatus(g_conn, buf.data(), int(buf.size()));
	if (r < 0) {
		out("error detailed result=" + std::to_string(r));
		return;
	}
	std::istringstream in(buf.data());
	std::string line;
	while (std::getline(in, line)) out("detail " + line);
	out("detailend");
}

bool command(const std::string &line) {
	std::istringstream in(line);
	std::string cmd;
	in >> cmd;
	if (cmd == "quit") return false;
	if (cmd == "lanes") {
		int n = 0;
		in >> n;
		if (n < 1 || n > 255) {
			out("lanes result=8");
			return true;
		}
		std::vector<int> prio(n);
		std::vector<uint16> weight(n);
		for (int i = 0; i < n; i++) in >> prio[i];
		for (int i = 0; i < n; i++) {
			int w = 1;
			in >> w;
			weight[i] = uint16(w);
		}
		EResult r = g_api->ConfigureConnectionLanes(g_conn, n, prio.data(), weight.data());
		if (r == k_EResultOK) g_numLanes = n;
		out("lanes result=" + std::to_string(r));
	} else if (cmd == "send") {
		SendJob j{};
		std::string kind;
		in >> j.count >> j.size >> kind >> j.lane;
		j.reliable = kind == "rel";
		if (j.count < 0 || j.size < 0 || j.lane < 0 || j.lane > 255) {
			out("error bad send");
			return true;
		}
		g_jobs.push_back(j);
	} else if (cmd == "stream") {
		in >> g_streamMS >> g_streamSize;
		g_streamNext = SteamNetworkingUtils()->GetLocalTimestamp();
	} else if (cmd == "status") {
		printStatus();
	} else if (cmd == "detailed") {
		printDetailed();
	} else if (cmd == "close") {
		if (g_conn != k_HSteamNetConnection_Invalid) g_api->CloseConnection(g_conn, 1000, "gnspeer close", true);
		g_conn = k_HSteamNetConnection_Invalid;
		g_connected = false;
		out("closed");
	} else if (!cmd.empty()) {
		out("error unknown command " + cmd);
	}
	return true;
}

bool setGlobal(ESteamNetworkingConfigValue k, int32 v) { return SteamNetworkingUtils()->SetGlobalConfigValueInt32(k, v); }

}  // namespace

int main(int argc, char **argv) {
	setvbuf(stdout, nullptr, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: gnspeer server|client [IP:PORT] [--loss PCT] [--rate BPS] [--sendbuf BYTES]\n");
		return 2;
	}
	std::string mode = argv[1];
	int argi = 2;
	std::string target;
	if (mode == "client") {
		if (argc < 3) return 2;
		target = argv[2];
		argi = 3;
	}
	float loss = 0;
	int rate = 0, sendbuf = 0, port = 0, decodeLog = 0, recvbuf = 0;
	for (; argi + 1 < argc; argi += 2) {
		std::string k = argv[argi];
		if (k == "--loss") loss = float(atof(argv[argi + 1]));
		else if (k == "--rate") rate = atoi(argv[argi + 1]);
		else if (k == "--sendbuf") sendbuf = atoi(argv[argi + 1]);
		else if (k == "--port") port = atoi(argv[argi + 1]);
		else if (k == "--decodelog") decodeLog = atoi(argv[argi + 1]);
		else if (k == "--recvbuf") recvbuf = atoi(argv[argi + 1]);
		else {
			fprintf(stderr, "unknown option %s\n", k.c_str());
			return 2;
		}
	}

	SteamDatagramErrMsg err;
	if (!GameNetworkingSockets_Init(nullptr, err)) {
		fprintf(stderr, "GameNetworkingSockets_Init failed: %s\n", err);
		return 1;
	}
	g_api = SteamNetworkingSockets();
	for (auto &n : g_nextNum) n = 1;
	SteamNetworkingUtils()->SetDebugOutputFunction(
		decodeLog ? k_ESteamNetworkingSocketsDebugOutputType_Everything : k_ESteamNetworkingSocketsDebugOutputType_Msg, onDebug);
	if (decodeLog) setGlobal(k_ESteamNetworkingConfig_LogLevel_PacketDecode, k_ESteamNetworkingSocketsDebugOutputType_Everything);
	SteamNetworkingUtils()->SetGlobalCallback_SteamNetConnectionStatusChanged(onStatus);
	if (loss > 0) {
		SteamNetworkingUtils()->SetGlobalConfigValueFloat(k_ESteamNetworkingConfig_FakePacketLoss_Send, loss);
		SteamNetworkingUtils()->SetGlobalConfigValueFloat(k_ESteamNetworkingConfig_FakePacketLoss_Recv, loss);
	}
	if (rate > 0) {
		setGlobal(k_ESteamNetworkingConfig_SendRateMin, rate);
		setGlobal(k_ESteamNetworkingConfig_SendRateMax, rate);
	}
	if (sendbuf > 0) setGlobal(k_ESteamNetworkingConfig_SendBufferSize, sendbuf);
	if (recvbuf > 0) {
		setGlobal(k_ESteamNetworkingConfig_RecvBufferSize, recvbuf);
		setGlobal(k_ESteamNetworkingConfig_RecvBufferMessages, recvbuf);
	}

	if (mode == "server") {
		SteamNetworkingIPAddr addr;
		addr.Clear();
		addr.m_port = uint16(port);
		g_listen = g_api->CreateListenSocketIP(addr, 0, nullptr);
		SteamNetworkingIPAddr bound;
		if (g_listen == k_HSteamListenSocket_Invalid || !g_api->GetListenSocketAddress(g_listen, &bound)) {
			out("error listen failed");
			return 1;
		}
		out("listening port=" + std::to_string(bound.m_port));
	} else if (mode == "client") {
		SteamNetworkingIPAddr addr;
		if (!addr.ParseString(target.c_str())) {
			out("error bad address " + target);
			return 1;
		}
		g_conn = g_api->ConnectByIPAddress(addr, 0, nullptr);
		if (g_conn == k_HSteamNetConnection_Invalid) {
			out("error connect failed");
			return 1;
		}
	} else {
		fprintf(stderr, "unknown mode %s\n", mode.c_str());
		return 2;
	}

	std::string pending;
	bool running = true;
	while (running) {
		struct pollfd p = {0, POLLIN, 0};
		if (poll(&p, 1, 1) > 0) {
			char buf[4096];
			ssize_t n = read(0, buf, sizeof buf);
			if (n <= 0) break;  // stdin closed: the test is over
			pending.append(buf, size_t(n));
			size_t nl;
			while (running && (nl = pending.find('\n')) != std::string::npos) {
				running = command(pending.substr(0, nl));
				pending.erase(0, nl + 1);
			}
		}
		g_api->RunCallbacks();
		if (g_streamMS > 0 && g_connected && g_jobs.empty() && SteamNetworkingUtils()->GetLocalTimestamp() >= g_streamNext) {
			g_streamNext += SteamNetworkingMicroseconds(g_streamMS) * 1000;
			g_jobs.push_back(SendJob{1, g_streamSize, 0, false});
		}
		pumpSends();
		receive();
	}
	if (g_conn != k_HSteamNetConnection_Invalid) g_api->CloseConnection(g_conn, 1000, "gnspeer exit", true);
	if (g_listen != k_HSteamListenSocket_Invalid) g_api->CloseListenSocket(g_listen);
	usleep(200000);
	GameNetworkingSockets_Kill();
	return 0;
}
