package main

import "fmt"

// count returns n and noun, in the plural unless n is 1: "1 connection",
// "0 connections". noun takes an "s" in the plural.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
