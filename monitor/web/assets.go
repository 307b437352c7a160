package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

// assetFS holds the page's static files, served under /assets/.
//
//go:embed assets
var assetFS embed.FS

// asset is one embedded static file, read once.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by name under assets/, such as "app.js"
)

func loadAssets() {
	assets = make(map[string]*asset)
	_ = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // do not depend on the system's MIME tables
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		assets[strings.TrimPrefix(p, "assets/")] = &asset{
			body:        body,
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
		return nil
	})
}

// assetURL returns the relative URL of an asset, versioned by its content
// so that a browser never mixes an old script with a new page.
func assetURL(name string) string {
	assetsOnce.Do(loadAssets)
	a := assets[name]
	if a == nil {
		return "assets/" + name
	}
	return "assets/" + name + "?v=" + strings.Trim(a.etag, `"`)
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	assetsOnce.Do(loadAssets)
	a := assets[strings.TrimPrefix(r.URL.Path, "/assets/")]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Etag", a.etag)
	h.Set("Cache-Control", "no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, r, a.contentType, a.body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
