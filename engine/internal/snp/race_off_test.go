//go:build !race

package snp

const raceEnabled = false
