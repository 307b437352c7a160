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
package e2e
