// Package e2e holds the end-to-end tests of hitrate's HTTP handler: the
// Prometheus exposition parsed back with the Prometheus text parser, and
// the live page driven in headless Chromium with chromedp. It is a module
// of its own so that the core module does not depend on them.
//
// Run them with
//
//	cd e2e && go test ./...
//
// The browser test needs Chromium (/usr/bin/chromium, or $HITRATE_CHROMIUM):
// it is skipped without one, unless CI=true, where it fails. It saves a
// screenshot of the page to testdata/screenshots/page.png, and to
// $HITRATE_SCREENSHOT_DIR if set.
//
// The Prometheus test builds cmd/hitrate, runs its proxy in front of a
// local HTTP server, and a real Prometheus server (Debian's prometheus
// package, or $HITRATE_PROMETHEUS) scraping the proxy's /metrics every
// second; it checks through Prometheus's HTTP API that the scraped request
// count equals the requests sent. Like the browser test, it is skipped
// without the binary, unless CI=true, where it fails.
package e2e
