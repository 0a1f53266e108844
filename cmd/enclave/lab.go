package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/spf13/cobra"
)

func labCmd(s *streams) *cobra.Command {
	c := &cobra.Command{Use: "lab", Short: "Run the bundled simulators (vSphere, Junos, ONTAP) on loopback for a laptop trial"}
	c.AddCommand(labUpCmd(s), labDemoCmd(s))
	return c
}

func labUpCmd(s *streams) *cobra.Command {
	var dir string
	var junos, ontap []string
	c := &cobra.Command{
		Use:   "up",
		Short: "Run the simulators in the foreground until interrupted; print a line starting with \"ready\" once all serve",
		Long: `Runs govmomi's vSphere simulator, one Junos simulator per --junos NAME[:srx|:ex] and one ONTAP
simulator per --ontap NAME, each on a free loopback port, and writes to DIR (default .enclave-lab):
  lab.env      ENCLAVE_LAB_* settings (and GOVC_* for govc), shell-sourceable
  lab.vars     the same as enclave variables, for --var-file
  ca.pem       the CA that signed the vSphere and ONTAP simulators' certificates
  known_hosts  every Junos simulator's host key
  id_ed25519   the SSH key the Junos simulators accept for ENCLAVE_LAB_JUNOS_<NAME>_USER`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := lab.Options{Dir: dir, Ontap: ontap}
			for _, j := range junos {
				d, err := lab.ParseDevice(j)
				if err != nil {
					return err
				}
				opts.Junos = append(opts.Junos, d)
			}
			l, err := lab.Start(opts)
			if err != nil {
				return err
			}
			defer l.Close()
			// Ctrl-C is how a lab ends: it is no failure, and there is nothing to wait for.
			s.intr.expect()
			ctx := s.intr.stop
			keys := make([]string, 0, len(l.Env))
			for k := range l.Env {
				if strings.HasPrefix(k, "ENCLAVE_LAB_") {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				if strings.HasSuffix(k, "_PASSWORD") {
					continue // in lab.env, not on the screen
				}
				fmt.Fprintf(s.out, "  %s=%s\n", k, l.Env[k])
			}
			fmt.Fprintf(s.out, "ready: vSphere at %s, %d Junos device(s), %d ONTAP cluster(s); settings in %s/lab.env; Ctrl-C stops\n",
				l.Env["ENCLAVE_LAB_VSPHERE_URL"], len(l.Junos), len(l.Ontap), l.Dir)
			<-ctx.Done()
			fmt.Fprintln(s.out, "stopping the lab")
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", ".enclave-lab", "where to write lab.env, ca.pem, known_hosts and the SSH key")
	c.Flags().StringArrayVar(&junos, "junos", nil, "run a Junos simulator NAME[:srx|:ex] (repeatable)")
	c.Flags().StringArrayVar(&ontap, "ontap", nil, "run an ONTAP simulator for cluster NAME (repeatable)")
	return c
}
