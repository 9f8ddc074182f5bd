package lb

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// backend answers each connection with its name.
func backend(t *testing.T, name string) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, name)
			c.Close()
		}
	}()
	return l
}

func ask(t *testing.T, addr string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

func TestRoundRobinAndFailover(t *testing.T) {
	a, b := backend(t, "a"), backend(t, "b")
	defer b.Close()
	// A backend that is not there at all.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()

	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bal := &Balancer{Backends: []string{a.Addr().String(), deadAddr, b.Addr().String()}, DialTimeout: 500 * time.Millisecond, CheckInterval: 50 * time.Millisecond}
	go func() { _ = bal.Serve(ctx, front) }()

	seen := map[string]int{}
	for i := 0; i < 10; i++ {
		seen[ask(t, front.Addr().String())]++
	}
	if seen["a"] == 0 || seen["b"] == 0 || seen[""] != 0 {
		t.Errorf("answers %v: want both live backends and never a failed connection", seen)
	}

	a.Close() // a control plane stops
	time.Sleep(150 * time.Millisecond)
	for i := 0; i < 5; i++ {
		if got := ask(t, front.Addr().String()); got != "b" {
			t.Fatalf("after a went down got %q, want b", got)
		}
	}
}
