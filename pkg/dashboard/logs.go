package dashboard

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const (
	// defaultTail is how many earlier lines a log view starts with.
	defaultTail = 500
	maxTail     = 5000
	// maxLine cuts lines longer than this (a JSON dump on one line, say).
	maxLine = 16 << 10
	// maxBatch lines at most go into one event; more wait for the next.
	maxBatch = 200
)

// logStream streams a container's log as server-sent events: "log" events carry lines
// (several per event when they come fast), "end" says the log ended (the container
// stopped, or follow=0), "problem" says why there is no log ("forbidden: ...").
func (s *Server) logStream(w http.ResponseWriter, r *http.Request, u *user) {
	q := r.URL.Query()
	ns, pod := namespaceOf(r), q.Get("pod")
	if pod == "" {
		http.Error(w, "pod= is missing", http.StatusBadRequest)
		return
	}
	tail := int64(defaultTail)
	if t, err := strconv.ParseInt(q.Get("tail"), 10, 64); err == nil && t >= 0 && t <= maxTail {
		tail = t
	}
	opts := &corev1.PodLogOptions{Container: q.Get("container"), Follow: q.Get("follow") != "0", TailLines: &tail}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	es := startEvents(w)
	rc, err := u.clients.Kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		es.send("problem", apiMessage(err))
		return
	}
	defer rc.Close()

	batches := make(chan []string)
	readErr := make(chan error, 1)
	go readLines(ctx, rc, batches, readErr)
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case lines := <-batches:
			err = es.send("log", strings.Join(lines, "\n"))
		case e := <-readErr:
			if e != nil && !errors.Is(e, io.EOF) && ctx.Err() == nil {
				es.send("problem", "the log stream broke off: "+e.Error())
				return
			}
			es.send("end", "")
			return
		case <-ping.C:
			err = es.ping()
		}
		if err != nil {
			return
		}
	}
}

// readLines reads r line by line and hands over the lines in batches: whatever has
// arrived, up to maxBatch, so a long tail goes out in a few events and a followed log
// line by line as it comes.
func readLines(ctx context.Context, r io.Reader, out chan<- []string, done chan<- error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var batch []string
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Keep the start of an over-long line (a copy: the buffer is reused); skip the rest.
			head := string(line[:maxLine]) + " …"
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = []byte(head)
		}
		if len(line) > 0 {
			batch = append(batch, strings.TrimRight(string(line), "\r\n"))
		}
		if len(batch) > 0 && (err != nil || br.Buffered() == 0 || len(batch) >= maxBatch) {
			select {
			case out <- batch:
			case <-ctx.Done():
				return
			}
			batch = nil
		}
		if err != nil {
			done <- err
			return
		}
	}
}
