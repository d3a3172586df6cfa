// Command aires is the read side of Aires: it follows and searches the
// events the collectors store in ClickHouse.
//
//	aires tail   [--service S] [--severity >=warn] [--where 'http_status >= 500']
//	aires search [TEXT] [--since 1h] [--trace ID] [--session ID] [--user ID] [--limit N]
//	aires console [--listen 127.0.0.1:8080]
//
// It reads the ClickHouse settings the exporter uses (--endpoint, --database,
// or AIRES_CLICKHOUSE_ENDPOINT / AIRES_CLICKHOUSE_DATABASE) and only ever
// runs SELECTs: give it a read-only ClickHouse user (README, "The read
// side"). Every subcommand takes --json: one JSON object per line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `aires: read the events Aires stores in ClickHouse

Usage:
  aires tail   [flags]          follow new events as they land
  aires search [flags] [TEXT]   events matching, newest first
  aires console [flags]         a web page: rates, latency per route, errors, search

Run 'aires <command> -h' for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "aires: %v\n", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "search":
		return runSearch(ctx, args[1:], stdout, stderr)
	case "tail":
		return runTail(ctx, args[1:], stdout, stderr)
	case "console":
		return runConsole(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
