//go:build !linux

package main

import "net"

func enableGRO(c *net.UDPConn) bool { return false }
func groSegment(oob []byte) int     { return 0 }
func gsoOOB(size int) []byte        { return nil }

const haveGSO = false
