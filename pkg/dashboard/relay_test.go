package dashboard

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"
)

// A relay passes bytes both ways, for several connections at once, and stops with its context.
func TestRelayCopiesBothWays(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Write([]byte("echo: " + line))
			}()
		}
	}()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- Relay(ctx, l, echo.Addr().String(), nil) }()

	for _, msg := range []string{"one\n", "two\n"} {
		c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(msg))
		got, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || got != "echo: "+msg {
			t.Errorf("through the relay: %q, %v; want %q", got, err, "echo: "+msg)
		}
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Relay after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not stop with its context")
	}
}

// A connection to an address nobody serves is closed, and the relay goes on serving.
func TestRelayClosesWhenTheTargetIsDown(t *testing.T) {
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	to := dead.Addr().String()
	dead.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Relay(ctx, l, to, nil)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Errorf("read through a relay to a closed port: %d bytes, %v; want the connection closed", n, err)
	}
}
