//go:build !race

package junossim

const raceEnabled = false
