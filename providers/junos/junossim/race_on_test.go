//go:build race

package junossim

// raceEnabled: under -race the slow Ansible run is left out (it exercises the same Go code
// as PyEZ and ncclient, which still run) to keep the package within its time budget.
const raceEnabled = true
