// newconn: the benchmark's load tool for new connections (scripts/bench.sh,
// bench/README.md "New connections"). Every request goes on a connection of
// its own, opened for it and closed after its answer, over HTTP/1.1: plain or
// TLS, and with TLS either a full handshake each time or, with -resume, a
// resumed one where the server allows it (a client session cache: TLS 1.3
// tickets or TLS 1.2 session ids/tickets). vegeta cannot resume a TLS session,
// hence this tool; it is used for resumption and for the handshake churn.
//
//	newconn -url URL [-rate N | -workers N] -duration 10s [-resume] [-cacert PEM]
//	        [-bodies BODIES_TXT -key API_KEY -run RUN] [-timeout 10s]
//
// -rate N: open loop, N new connections a second (each request in a goroutine
// of its own, whatever the server's pace). -workers N without -rate: closed
// loop, N senders each opening connection after connection as fast as the
// server lets it. With -bodies, POSTs the benchmark's 1 KB webhooks, each with
// a new event id (bench/load/bodies.py: run RUN, stream 1, SEQ counting);
// without, GETs the URL.
//
// Prints one JSON object in the shape of bench/load/vegeta_summary.py, plus
// "resumed" (2xx answers on resumed TLS sessions), "resumed_fraction" (of the
// 2xx answers) and "tls" (version and cipher suite of the first TLS
// connection; the group needs Go 1.25's ConnectionState.CurveID, and
// openssl s_client reports it anyway).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const idTailZeros = "0000000000_000_00000000000" // bodies.py's ID_TAIL_ZEROS

type result struct {
	start   time.Time
	latency time.Duration
	code    int
	err     string
	resumed bool
}

type loader struct {
	url     string
	client  *http.Client
	bodies  [][]byte
	key     string
	run     int
	seq     atomic.Int64
	tlsOnce sync.Once
	tlsInfo map[string]string
}

func (l *loader) request() result {
	r := result{start: time.Now()}
	var req *http.Request
	var err error
	if len(l.bodies) > 0 {
		seq := l.seq.Add(1)
		body := bytes.Replace(l.bodies[int(seq-1)%len(l.bodies)], []byte(idTailZeros),
			[]byte(fmt.Sprintf("%010d_%03d_%011d", l.run, 1, seq)), 1)
		req, err = http.NewRequest(http.MethodPost, l.url, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+l.key)
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req, err = http.NewRequest(http.MethodGet, l.url, nil)
	}
	if err != nil {
		r.err = err.Error()
		return r
	}
	resp, err := l.client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r.code = resp.StatusCode
		if resp.TLS != nil {
			r.resumed = resp.TLS.DidResume
			l.tlsOnce.Do(func() {
				l.tlsInfo = map[string]string{
					"version":      tls.VersionName(resp.TLS.Version),
					"cipher_suite": tls.CipherSuiteName(resp.TLS.CipherSuite),
				}
			})
		}
	}
	r.latency = time.Since(r.start)
	if err != nil {
		r.err = err.Error()
		if len(r.err) > 200 {
			r.err = r.err[:200]
		}
	}
	return r
}

func percentile(sorted []int64, p float64) any {
	if len(sorted) == 0 {
		return nil
	}
	rank := int(math.Max(1, math.Ceil(p/100*float64(len(sorted)))))
	return sorted[rank-1]
}

func pcts(values []int64) map[string]any {
	out := map[string]any{}
	for _, p := range []float64{50, 90, 99, 99.9} {
		out["p"+strconv.FormatFloat(p, 'f', -1, 64)] = percentile(values, p)
	}
	out["max"], out["mean"] = nil, nil
	if n := len(values); n > 0 {
		var sum int64
		for _, v := range values {
			sum += v
		}
		out["max"] = values[n-1]
		out["mean"] = math.Round(float64(sum)/float64(n)*10) / 10
	}
	return out
}

// As vegeta_summary.py: 20 quantiles a decade of 1/(1-q), then the maximum.
func quantiles(sorted []int64) [][2]float64 {
	out := [][2]float64{}
	n := len(sorted)
	for k := 0; n > 0 && math.Pow(10, -float64(k)/20) >= 1/float64(n); k++ {
		q := 1 - math.Pow(10, -float64(k)/20)
		i := int(math.Min(float64(n-1), math.Floor(q*float64(n))))
		out = append(out, [2]float64{math.Round(q*1e6) / 1e6, float64(sorted[i])})
	}
	if n > 0 {
		out = append(out, [2]float64{1, float64(sorted[n-1])})
	}
	return out
}

func summarise(results []result, l *loader) map[string]any {
	codes := map[string]int{}
	errors := map[string]int{}
	var all, ok []int64
	resumed := 0
	var first, last, lastDone time.Time
	for i, r := range results {
		codes[strconv.Itoa(r.code)]++
		if r.err != "" {
			errors[r.err]++
		}
		us := r.latency.Microseconds()
		all = append(all, us)
		if r.code >= 200 && r.code < 300 {
			ok = append(ok, us)
			if r.resumed {
				resumed++
			}
		}
		if i == 0 || r.start.Before(first) {
			first = r.start
		}
		if r.start.After(last) {
			last = r.start
		}
		if done := r.start.Add(r.latency); done.After(lastDone) {
			lastDone = done
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	sort.Slice(ok, func(i, j int) bool { return ok[i] < ok[j] })
	// The five most frequent transport errors, as vegeta_summary.py keeps.
	type count struct {
		text string
		n    int
	}
	var counts []count
	for text, n := range errors {
		counts = append(counts, count{text, n})
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].n > counts[j].n })
	topErrors := map[string]int{}
	for i := 0; i < len(counts) && i < 5; i++ {
		topErrors[counts[i].text] = counts[i].n
	}
	n := len(results)
	var sendRate, okRate any
	if span := last.Sub(first).Seconds(); n > 1 && span > 0 {
		sendRate = math.Round(float64(n-1)/span*10) / 10
	}
	if span := lastDone.Sub(first).Seconds(); n > 0 && span > 0 {
		okRate = math.Round(float64(len(ok))/span*10) / 10
	}
	var fraction any
	if len(ok) > 0 {
		fraction = math.Round(float64(resumed)/float64(len(ok))*1e4) / 1e4
	}
	return map[string]any{
		"requests": n, "ok": len(ok), "non_ok": n - len(ok), "codes": codes, "errors": topErrors,
		"send_rate": sendRate, "ok_per_second": okRate,
		"latency_us": pcts(all), "ok_latency_us": pcts(ok), "quantiles_us": quantiles(all),
		"resumed": resumed, "resumed_fraction": fraction, "tls": l.tlsInfo,
	}
}

func readBodies(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var bodies [][]byte
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64*1024), 1<<20)
	for scanner.Scan() {
		line := append([]byte(nil), scanner.Bytes()...)
		if !bytes.Contains(line, []byte(idTailZeros)) {
			return nil, fmt.Errorf("%s: a body without the id placeholder %s", path, idTailZeros)
		}
		bodies = append(bodies, line)
	}
	return bodies, scanner.Err()
}

func main() {
	url := flag.String("url", "", "target URL (http:// or https://)")
	rate := flag.Int("rate", 0, "open loop: new connections (requests) per second")
	workers := flag.Int("workers", 0, "closed loop (without -rate): concurrent senders")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 10*time.Second, "per request, connection included")
	resume := flag.Bool("resume", false, "keep a TLS client session cache: resume sessions")
	cacert := flag.String("cacert", "", "PEM file of the CA (the self-signed certificate) to trust")
	bodiesPath := flag.String("bodies", "", "bodies.txt: POST these webhooks (else GET)")
	key := flag.String("key", "", "API key (Authorization: Bearer)")
	run := flag.Int("run", 0, "the RUN field of the event ids")
	flag.Parse()
	if *url == "" || (*rate <= 0 && *workers <= 0) {
		fmt.Fprintln(os.Stderr, "newconn: -url and -rate or -workers are required")
		os.Exit(2)
	}

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if *cacert != "" {
		pem, err := os.ReadFile(*cacert)
		if err != nil {
			fmt.Fprintln(os.Stderr, "newconn:", err)
			os.Exit(2)
		}
		tlsConfig.RootCAs = x509.NewCertPool()
		if !tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
			fmt.Fprintln(os.Stderr, "newconn: no certificate in", *cacert)
			os.Exit(2)
		}
	}
	if *resume {
		tlsConfig.ClientSessionCache = tls.NewLRUClientSessionCache(64)
	}
	transport := &http.Transport{
		DisableKeepAlives:   true, // a connection per request
		TLSClientConfig:     tlsConfig,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1 only
		MaxIdleConnsPerHost: -1,
	}
	l := &loader{url: *url, key: *key, run: *run,
		client: &http.Client{Transport: transport, Timeout: *timeout}}
	if *bodiesPath != "" {
		var err error
		if l.bodies, err = readBodies(*bodiesPath); err != nil || len(l.bodies) == 0 {
			fmt.Fprintln(os.Stderr, "newconn: no bodies:", err)
			os.Exit(2)
		}
	}

	var mu sync.Mutex
	var results []result
	record := func(r result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	if *rate > 0 {
		interval := time.Second / time.Duration(*rate)
		start := time.Now()
		for i := 0; ctx.Err() == nil; i++ {
			next := start.Add(time.Duration(i) * interval)
			if wait := time.Until(next); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
				if ctx.Err() != nil {
					break
				}
			}
			wg.Add(1)
			go func() { defer wg.Done(); record(l.request()) }()
		}
	} else {
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					record(l.request())
				}
			}()
		}
	}
	wg.Wait()
	out, _ := json.MarshalIndent(summarise(results, l), "", " ")
	fmt.Println(string(out))
	if len(results) == 0 || strings.TrimSpace(string(out)) == "" {
		os.Exit(1)
	}
}
