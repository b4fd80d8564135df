// Command inference-sim is a small vLLM-compatible model-server simulator for kubectl-infgw's
// end-to-end tests. It stands in for github.com/llm-d/llm-d-inference-sim, which the Go module
// proxy reachable here does not serve; it accepts the same command-line flags that the tests use
// (--port --model --served-model-name --mode echo|random --enable-kvcache --kv-cache-size
// --block-size --time-to-first-token --inter-token-latency --max-num-seqs --max-loras
// --force-dummy-tokenizer), so the harness can run either binary.
//
// Endpoints: GET /health, GET /ready, GET /v1/models, POST /v1/completions,
// POST /v1/chat/completions (optionally streamed as SSE), GET /metrics (Prometheus text with the
// vllm:* series an inference-gateway endpoint picker scrapes: num_requests_running,
// num_requests_waiting, kv_cache_usage_perc, gpu_cache_usage_perc, lora_requests_info,
// cache_config_info, and token/request counters without the `_total` suffix, as the llm-d
// simulator reports them; with --enable-kvcache also prefix_cache_queries/prefix_cache_hits,
// counted in tokens against a per-server prefix cache of --block-size token blocks).
// Metric names and label meanings follow the Gateway API Inference Extension model-server
// protocol (docs/proposals/003-model-server-protocol) and vLLM's metrics design doc.
package main

import (
	"container/list"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

type sim struct {
	model       string
	served      []string
	loras       []string
	mode        string
	kvEnabled   bool
	kvBlocks    int
	blockSize   int
	ttft        time.Duration
	itl         time.Duration
	maxNumSeqs  int
	maxLoras    int
	started     time.Time
	mu          sync.Mutex
	running     int
	waiting     int
	runningLora map[string]int
	waitingLora map[string]int
	usedBlocks  int
	promptTok   int64
	genTok      int64
	success     map[string]int64
	slots       chan struct{}
	// Prefix cache (with --enable-kvcache): hashes of full prompt blocks, each hash covering
	// the block and everything before it (as vLLM's automatic prefix caching keys blocks),
	// least recently used first out once more than kvBlocks are held.
	prefixLRU     *list.List
	prefixIndex   map[uint64]*list.Element
	prefixQueries int64
	prefixHits    int64
}

// prefixLookup counts one request's prompt against this server's prefix cache, in tokens:
// queries grow by the tokens in full blocks; hits by the tokens of the leading full blocks
// already cached (a prefix cache can only reuse an unbroken run from the start). All the
// request's blocks are then cached. Call with s.mu held.
func (s *sim) prefixLookup(tokens []string) {
	if !s.kvEnabled || s.blockSize <= 0 || s.kvBlocks <= 0 {
		return
	}
	full := len(tokens) / s.blockSize
	var parent uint64
	leading := true
	for b := 0; b < full; b++ {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s", parent, strings.Join(tokens[b*s.blockSize:(b+1)*s.blockSize], "\x00"))
		parent = h.Sum64()
		s.prefixQueries += int64(s.blockSize)
		if e, ok := s.prefixIndex[parent]; ok {
			if leading {
				s.prefixHits += int64(s.blockSize)
			}
			s.prefixLRU.MoveToFront(e)
			continue
		}
		leading = false
		s.prefixIndex[parent] = s.prefixLRU.PushFront(parent)
		for s.prefixLRU.Len() > s.kvBlocks {
			old := s.prefixLRU.Back()
			s.prefixLRU.Remove(old)
			delete(s.prefixIndex, old.Value.(uint64))
		}
	}
}

var words = strings.Fields("the quick brown fox jumps over a lazy dog while inference gateways route " +
	"requests to model servers that report queue depth and cache usage for scheduling decisions")

func main() {
	fs := flag.NewFlagSet("inference-sim", flag.ExitOnError)
	port := fs.Int("port", 8000, "port to listen on")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	model := fs.String("model", "", "base model name (required)")
	var served, loras listFlag
	fs.Var(&served, "served-model-name", "model names served (repeat or comma-separate); default: --model")
	fs.Var(&loras, "lora-modules", "LoRA adapter names (name, name=path or JSON {\"name\":...}); repeat or comma-separate")
	mode := fs.String("mode", "random", "response mode: echo | random")
	kv := fs.Bool("enable-kvcache", false, "simulate a KV cache (kv_cache_usage_perc moves with load)")
	kvSize := fs.Int("kv-cache-size", 1024, "KV cache size in blocks")
	blockSize := fs.Int("block-size", 16, "tokens per KV cache block")
	ttft := fs.Int("time-to-first-token", 0, "time to first token, ms")
	itl := fs.Int("inter-token-latency", 0, "time between tokens, ms")
	maxSeqs := fs.Int("max-num-seqs", 5, "requests running at once; the rest wait")
	maxLoras := fs.Int("max-loras", 1, "LoRA adapters per batch (max_lora label)")
	_ = fs.Bool("force-dummy-tokenizer", false, "accepted for compatibility; this simulator always splits on whitespace")
	_ = fs.String("tokenizers-cache-dir", "", "accepted for compatibility; unused")
	_ = fs.String("config", "", "accepted for compatibility; unused")
	_ = fs.Int("seed", 0, "accepted for compatibility; unused")
	_ = fs.Parse(normalizeBools(os.Args[1:], "enable-kvcache", "force-dummy-tokenizer"))
	if *model == "" {
		fmt.Fprintln(os.Stderr, "inference-sim: --model is required")
		os.Exit(2)
	}
	if *mode != "echo" && *mode != "random" {
		fmt.Fprintln(os.Stderr, "inference-sim: --mode must be echo or random")
		os.Exit(2)
	}
	if len(served) == 0 {
		served = listFlag{*model}
	}
	var loraNames []string
	for _, l := range loras {
		name := l
		if strings.HasPrefix(l, "{") {
			var v struct {
				Name string `json:"name"`
			}
			if json.Unmarshal([]byte(l), &v) == nil {
				name = v.Name
			}
		} else if i := strings.Index(l, "="); i > 0 {
			name = l[:i]
		}
		if name != "" {
			loraNames = append(loraNames, name)
		}
	}
	if *maxSeqs < 1 {
		*maxSeqs = 1
	}
	s := &sim{
		model: *model, served: served, loras: loraNames, mode: *mode,
		kvEnabled: *kv, kvBlocks: *kvSize, blockSize: *blockSize,
		ttft: time.Duration(*ttft) * time.Millisecond, itl: time.Duration(*itl) * time.Millisecond,
		maxNumSeqs: *maxSeqs, maxLoras: *maxLoras, started: time.Now(),
		runningLora: map[string]int{}, waitingLora: map[string]int{}, success: map[string]int64{},
		slots:     make(chan struct{}, *maxSeqs),
		prefixLRU: list.New(), prefixIndex: map[uint64]*list.Element{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{}) })
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{}) })
	mux.HandleFunc("/v1/models", s.models)
	mux.HandleFunc("/v1/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, false) })
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, true) })
	mux.HandleFunc("/metrics", s.metrics)
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "inference-sim:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "inference-sim: model %q (served as %v) listening on %s\n", *model, []string(served), ln.Addr())
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "inference-sim:", err)
		os.Exit(1)
	}
}

// normalizeBools turns `--flag true|false` (pflag style used by vLLM tools) into `--flag=true`.
func normalizeBools(args []string, names ...string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		matched := false
		for _, n := range names {
			if (a == "--"+n || a == "-"+n) && i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
				out = append(out, a+"="+args[i+1])
				i++
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, a)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code int, typ, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code}})
}

func (s *sim) known(name string) (isLora bool, ok bool) {
	for _, n := range s.served {
		if n == name {
			return false, true
		}
	}
	for _, n := range s.loras {
		if n == name {
			return true, true
		}
	}
	return false, false
}

func (s *sim) models(w http.ResponseWriter, _ *http.Request) {
	var data []map[string]any
	created := s.started.Unix()
	for _, n := range s.served {
		data = append(data, map[string]any{"id": n, "object": "model", "created": created, "owned_by": "vllm", "root": s.model, "parent": nil})
	}
	for _, n := range s.loras {
		data = append(data, map[string]any{"id": n, "object": "model", "created": created, "owned_by": "vllm", "root": n, "parent": s.model})
	}
	writeJSON(w, 200, map[string]any{"object": "list", "data": data})
}

type genRequest struct {
	Model    string `json:"model"`
	Prompt   any    `json:"prompt"`
	Messages []struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	MaxTokens     *int `json:"max_tokens"`
	MaxCompletion *int `json:"max_completion_tokens"`
}

func textOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, p := range t {
			switch pp := p.(type) {
			case string:
				parts = append(parts, pp)
			case map[string]any:
				if s, ok := pp["text"].(string); ok {
					parts = append(parts, s)
				}
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func (s *sim) generate(w http.ResponseWriter, r *http.Request, chat bool) {
	if r.Method != http.MethodPost {
		apiError(w, 405, "BadRequestError", "method not allowed")
		return
	}
	var req genRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, 400, "BadRequestError", "invalid JSON body: "+err.Error())
		return
	}
	isLora, ok := s.known(req.Model)
	if !ok {
		apiError(w, 404, "NotFoundError", fmt.Sprintf("The model `%s` does not exist.", req.Model))
		return
	}
	var prompt string
	if chat {
		var parts []string
		for _, m := range req.Messages {
			parts = append(parts, textOf(m.Content))
		}
		prompt = strings.Join(parts, " ")
	} else {
		prompt = textOf(req.Prompt)
	}
	promptTokens := strings.Fields(prompt)
	maxTokens := 16
	if req.MaxTokens != nil {
		maxTokens = *req.MaxTokens
	}
	if req.MaxCompletion != nil {
		maxTokens = *req.MaxCompletion
	}
	var out []string
	if s.mode == "echo" {
		out = promptTokens
		if len(out) > maxTokens && maxTokens > 0 {
			out = out[:maxTokens]
		}
	} else {
		n := maxTokens
		if n <= 0 {
			n = 1
		}
		if n > 1 {
			n = 1 + rand.Intn(n)
		}
		for i := 0; i < n; i++ {
			out = append(out, words[rand.Intn(len(words))])
		}
	}
	finish := "stop"
	if len(out) >= maxTokens {
		finish = "length"
	}

	// Queue: wait for a slot (max-num-seqs), then "run".
	blocks := 0
	if s.kvEnabled && s.blockSize > 0 {
		blocks = (len(promptTokens) + len(out) + s.blockSize - 1) / s.blockSize
	}
	s.mu.Lock()
	s.waiting++
	if isLora {
		s.waitingLora[req.Model]++
	}
	s.mu.Unlock()
	select {
	case s.slots <- struct{}{}:
	case <-r.Context().Done():
		s.mu.Lock()
		s.waiting--
		if isLora {
			s.waitingLora[req.Model]--
		}
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.waiting--
	s.running++
	if isLora {
		s.waitingLora[req.Model]--
		s.runningLora[req.Model]++
	}
	s.usedBlocks += blocks
	s.prefixLookup(promptTokens)
	s.mu.Unlock()
	defer func() {
		<-s.slots
		s.mu.Lock()
		s.running--
		if isLora {
			s.runningLora[req.Model]--
		}
		s.usedBlocks -= blocks
		s.promptTok += int64(len(promptTokens))
		s.genTok += int64(len(out))
		s.success[finish]++
		s.mu.Unlock()
	}()

	id := fmt.Sprintf("%s-%d", map[bool]string{true: "chatcmpl", false: "cmpl"}[chat], rand.Int63())
	created := time.Now().Unix()
	usage := map[string]any{"prompt_tokens": len(promptTokens), "completion_tokens": len(out), "total_tokens": len(promptTokens) + len(out)}
	time.Sleep(s.ttft)
	if !req.Stream {
		if len(out) > 1 {
			time.Sleep(s.itl * time.Duration(len(out)-1))
		}
		text := strings.Join(out, " ")
		var choice map[string]any
		if chat {
			choice = map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": finish}
		} else {
			choice = map[string]any{"index": 0, "text": text, "finish_reason": finish}
		}
		obj := map[bool]string{true: "chat.completion", false: "text_completion"}[chat]
		writeJSON(w, 200, map[string]any{"id": id, "object": obj, "created": created, "model": req.Model, "choices": []any{choice}, "usage": usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	fl, _ := w.(http.Flusher)
	obj := map[bool]string{true: "chat.completion.chunk", false: "text_completion"}[chat]
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	for i, tok := range out {
		if i > 0 {
			time.Sleep(s.itl)
			tok = " " + tok
		}
		var choice map[string]any
		if chat {
			delta := map[string]any{"content": tok}
			if i == 0 {
				delta["role"] = "assistant"
			}
			choice = map[string]any{"index": 0, "delta": delta, "finish_reason": nil}
		} else {
			choice = map[string]any{"index": 0, "text": tok, "finish_reason": nil}
		}
		send(map[string]any{"id": id, "object": obj, "created": created, "model": req.Model, "choices": []any{choice}})
	}
	var last map[string]any
	if chat {
		last = map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": finish}
	} else {
		last = map[string]any{"index": 0, "text": "", "finish_reason": finish}
	}
	send(map[string]any{"id": id, "object": obj, "created": created, "model": req.Model, "choices": []any{last}, "usage": usage})
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

func joinCounts(m map[string]int) string {
	var names []string
	for n, c := range m {
		if c > 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func (s *sim) metrics(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	ml := fmt.Sprintf(`model_name=%q`, s.model)
	usage := 0.0
	if s.kvEnabled && s.kvBlocks > 0 {
		usage = float64(s.usedBlocks) / float64(s.kvBlocks)
		if usage > 1 {
			usage = 1
		}
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("# HELP vllm:num_requests_running Number of requests currently running.")
	p("# TYPE vllm:num_requests_running gauge")
	p("vllm:num_requests_running{%s} %d", ml, s.running)
	p("# HELP vllm:num_requests_waiting Number of requests waiting to be processed.")
	p("# TYPE vllm:num_requests_waiting gauge")
	p("vllm:num_requests_waiting{%s} %d", ml, s.waiting)
	p("# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.")
	p("# TYPE vllm:kv_cache_usage_perc gauge")
	p("vllm:kv_cache_usage_perc{%s} %g", ml, usage)
	p("# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage (older name). 1 means 100 percent usage.")
	p("# TYPE vllm:gpu_cache_usage_perc gauge")
	p("vllm:gpu_cache_usage_perc{%s} %g", ml, usage)
	p("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig.")
	p("# TYPE vllm:cache_config_info gauge")
	p("vllm:cache_config_info{block_size=\"%d\",num_gpu_blocks=\"%d\",%s} 1", s.blockSize, s.kvBlocks, ml)
	p("# HELP vllm:lora_requests_info Running stats on LoRA requests.")
	p("# TYPE vllm:lora_requests_info gauge")
	p("vllm:lora_requests_info{max_lora=\"%d\",running_lora_adapters=%q,waiting_lora_adapters=%q} %.6e",
		s.maxLoras, joinCounts(s.runningLora), joinCounts(s.waitingLora), float64(time.Now().UnixNano())/1e9)
	p("# HELP vllm:prompt_tokens Number of prefill tokens processed.")
	p("# TYPE vllm:prompt_tokens counter")
	p("vllm:prompt_tokens{%s} %d", ml, s.promptTok)
	p("# HELP vllm:generation_tokens Number of generation tokens processed.")
	p("# TYPE vllm:generation_tokens counter")
	p("vllm:generation_tokens{%s} %d", ml, s.genTok)
	if s.kvEnabled {
		p("# HELP vllm:prefix_cache_queries Prefix cache queries, in terms of number of queried tokens.")
		p("# TYPE vllm:prefix_cache_queries counter")
		p("vllm:prefix_cache_queries{%s} %d", ml, s.prefixQueries)
		p("# HELP vllm:prefix_cache_hits Prefix cache hits, in terms of number of cached tokens.")
		p("# TYPE vllm:prefix_cache_hits counter")
		p("vllm:prefix_cache_hits{%s} %d", ml, s.prefixHits)
	}
	p("# HELP vllm:request_success Count of successfully processed requests.")
	p("# TYPE vllm:request_success counter")
	for _, reason := range []string{"length", "stop"} {
		p("vllm:request_success{finished_reason=%q,%s} %d", reason, ml, s.success[reason])
	}
}
