package vsphere

import (
	"context"
	"fmt"
	"github.com/enclave-dev/enclave/internal/faultpoint"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/progress"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

// wait awaits a vSphere task, reporting its percentage, and turns a task fault into an error
// naming the resource, the method and vCenter's message. Each wait has its own property
// collector (object.Task does this), so concurrent applies never share a task listener.
func (p *Provider) wait(ctx context.Context, addr, call string, t *object.Task, pr providers.Progress) (types.AnyType, error) {
	var sinks []progress.Sinker
	done := make(chan struct{})
	if pr != nil {
		ch := make(chan progress.Report)
		sinks = append(sinks, progress.SinkFunc(func() chan<- progress.Report { return ch }))
		go func() {
			defer close(done)
			last := float32(-1)
			for r := range ch {
				if r.Percentage() != last {
					last = r.Percentage()
					pr(addr, fmt.Sprintf("waiting for task %s %.0f%%", call, last))
				}
			}
		}()
	} else {
		close(done)
	}
	faultpoint.Hit("vsphere.task-started")
	info, err := t.WaitForResult(ctx, sinks...)
	if ctx.Err() == nil {
		// govmomi closes the progress channel when the task ends, not when the wait is
		// cut short: then the reader is left to drain it on its own.
		<-done
	}
	faultpoint.Hit("vsphere.task-ended")
	if err != nil {
		return nil, p.callError(addr, call, err)
	}
	if pr != nil {
		pr(addr, fmt.Sprintf("task %s 100%%", call))
	}
	return info.Result, nil
}

// run starts a task with start and awaits it; start's own error is reported the same way.
func (p *Provider) run(ctx context.Context, addr, call string, pr providers.Progress, start func() (*object.Task, error)) (types.AnyType, error) {
	t, err := start()
	if err != nil {
		return nil, p.callError(addr, call, err)
	}
	return p.wait(ctx, addr, call, t, pr)
}
