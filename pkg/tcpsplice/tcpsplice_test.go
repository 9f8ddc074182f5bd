package tcpsplice

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// An echo server behind Join: the client half-closes after writing and still reads the
// whole answer, which needs the half-close to travel through both hops.
func TestJoinCarriesBothDirectionsAndHalfClose(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		c, err := echo.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		_, _ = c.Write(append([]byte("echo:"), b...))
	}()
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer front.Close()
	joined := make(chan struct{})
	go func() {
		defer close(joined)
		c, err := front.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", echo.Addr().String())
		if err != nil {
			return
		}
		defer up.Close()
		Join(context.Background(), c, up)
	}()
	c, err := net.Dial("tcp", front.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "echo:hello" {
		t.Fatalf("got %q, want %q", got, "echo:hello")
	}
	select {
	case <-joined:
	case <-time.After(5 * time.Second):
		t.Fatal("Join did not return after both directions ended")
	}
}

func TestJoinReturnsWhenContextEnds(t *testing.T) {
	a1, a2 := net.Pipe()
	b1, b2 := net.Pipe()
	defer a1.Close()
	defer a2.Close()
	defer b1.Close()
	defer b2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() {
		Join(ctx, a2, b1)
		close(returned)
	}()
	cancel()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("Join ignored the cancelled context")
	}
}
