package gomod

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// HashOf identifies a set of inputs: each part is JSON-encoded, so struct field names,
// order and types are part of the result. It names cached builds (a wrapper and its
// builds: a change to either gives new binaries) and labels images with their inputs.
func HashOf(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		j, _ := json.Marshal(p)
		h.Write(j)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// HashFS hashes every file of a tree, names and contents.
func HashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// BinaryHash identifies a binary built by Builder without reading it.
func BinaryHash(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	// Binaries live in directories named by the hash of their build inputs: the path and
	// size identify them without reading 100 MB files.
	return HashOf(path, st.Size()), nil
}

// FileSHA256 is the full hex SHA-256 of a file's contents, for checking downloads
// against a published checksum (BinaryHash is the cheap identity of a cached build).
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
