package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Exec runs cmd in a node and waits for it. Without opts.Stdout or opts.Stderr the
// output is kept for the ExecError of a command that fails.
func (c *Client) Exec(ctx context.Context, node string, cmd []string, opts ExecOptions) error {
	created, err := c.api.ContainerExecCreate(ctx, node, container.ExecOptions{
		Cmd:          cmd,
		Env:          opts.Env,
		AttachStdin:  opts.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	att, err := c.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	defer att.Close()
	if opts.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, opts.Stdin)
			_ = att.CloseWrite()
		}()
	}
	// Keep a copy of the output for the error message, also when the caller takes it.
	var captured bytes.Buffer
	stdout, stderr := io.Writer(&captured), io.Writer(&captured)
	if opts.Stdout != nil {
		stdout = io.MultiWriter(opts.Stdout, &captured)
	}
	if opts.Stderr != nil {
		stderr = io.MultiWriter(opts.Stderr, &captured)
	}
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return fmt.Errorf("exec %q on node %s: %w", strings.Join(cmd, " "), node, ctx.Err())
	case err := <-done:
		if err != nil {
			return fmt.Errorf("exec on node %s: %w", node, err)
		}
	}
	info, err := c.api.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	if info.ExitCode != 0 {
		return &ExecError{Node: node, Cmd: cmd, ExitCode: info.ExitCode, Output: tail(captured.String(), 4000)}
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// WriteFile copies data into the node as a file, creating parent directories.
func (c *Client) WriteFile(ctx context.Context, node, path string, data []byte, mode int64) error {
	buf, err := fileTar(path, data, mode)
	if err != nil {
		return err
	}
	if err := c.api.CopyToContainer(ctx, node, "/", buf, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("write %s on node %s: %w", path, node, err)
	}
	return nil
}

// fileTar is a tar stream of one file at path (relative to the root) and its parent
// directories.
func fileTar(path string, data []byte, mode int64) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	rel := strings.TrimPrefix(path, "/")
	dirs := strings.Split(rel, "/")
	for i := 1; i < len(dirs); i++ {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.Join(dirs[:i], "/") + "/", Mode: 0o755, ModTime: now}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: mode, Size: int64(len(data)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// CopyFromNode streams a path of a container as a tar archive.
func (c *Client) CopyFromNode(ctx context.Context, node, path string) (io.ReadCloser, error) {
	rc, _, err := c.api.CopyFromContainer(ctx, node, path)
	if err != nil {
		return nil, fmt.Errorf("copy %s from %s: %w", path, node, err)
	}
	return rc, nil
}
