package logic

import (
	"encoding/json"
	"strings"
	"testing"
)

// zebraGold is a zebra_puzzle-style gold answer: houses with typed attributes.
const zebraGold = `{"solution": {"House 1": {"Name": "Arnold", "Pet": "cat", "Age": 30, "Smokes": false},
 "House 2": {"Name": "Eric", "Pet": "dog", "Age": 41, "Smokes": true}}, "order": ["Arnold", "Eric"], "score": 0.5}`

func TestZebraPuzzle(t *testing.T) {
	g := GameData{Answer: zebraGold}
	// Our Python-literal reader has no floats, so the Python-dict case uses a gold without one.
	noFloat := GameData{Answer: strings.Replace(zebraGold, `, "score": 0.5`, "", 1)}
	jsonBlock := func(s string) string { return "Reasoning...\n```json\n" + s + "\n```\n" }
	// The gold re-encoded by Go (keys sorted, spacing changed) is the same object.
	var v any
	if err := json.Unmarshal([]byte(zebraGold), &v); err != nil {
		t.Fatal(err)
	}
	reencoded, _ := json.MarshalIndent(v, "", "  ")
	good := map[string]string{
		"gold":        jsonBlock(zebraGold),
		"re-encoded":  jsonBlock(string(reencoded)),
		"bare":        zebraGold,
		"python dict": jsonBlock(strings.NewReplacer(`"`, `'`, "false", "False", "true", "True", `, "score": 0.5`, "").Replace(zebraGold)),
		"later block": jsonBlock(`{"solution": {}}`) + jsonBlock(zebraGold),
		"float 0.50":  jsonBlock(strings.Replace(zebraGold, "0.5}", "0.50}", 1)),
	}
	bad := map[string]string{
		"swapped pets":   jsonBlock(strings.NewReplacer(`"cat"`, `"dog"`, `"dog"`, `"cat"`).Replace(zebraGold)),
		"int as float":   jsonBlock(strings.Replace(zebraGold, "30", "30.0", 1)),
		"int as string":  jsonBlock(strings.Replace(zebraGold, "30", `"30"`, 1)),
		"bool as int":    jsonBlock(strings.Replace(zebraGold, "false", "0", 1)),
		"missing key":    jsonBlock(strings.Replace(zebraGold, `, "Smokes": false`, "", 1)),
		"extra key":      jsonBlock(strings.Replace(zebraGold, `"Age": 30`, `"Age": 30, "Car": "BMW"`, 1)),
		"list order":     jsonBlock(strings.Replace(zebraGold, `["Arnold", "Eric"]`, `["Eric", "Arnold"]`, 1)),
		"wrong float":    jsonBlock(strings.Replace(zebraGold, "0.5}", "0.25}", 1)),
		"later wrong":    jsonBlock(zebraGold) + jsonBlock(`{"solution": {}}`),
		"prose":          "The answer is " + zebraGold,
		"trailing json":  jsonBlock(zebraGold + ` {}`),
		"python tuple":   jsonBlock(strings.ReplaceAll(strings.Replace(zebraGold, `["Arnold", "Eric"]`, `("Arnold", "Eric")`, 1), `"`, `'`)),
		"list not dict":  jsonBlock(`[1, 2]`),
		"no answer":      "no idea",
		"empty response": "",
	}
	for name, r := range good {
		gold := g
		if name == "python dict" {
			gold = noFloat
		}
		t.Run("good/"+name, func(t *testing.T) { expect(t, "zebra_puzzle", gold, r, true) })
	}
	for name, r := range bad {
		t.Run("bad/"+name, func(t *testing.T) { expect(t, "zebra_puzzle", g, r, false) })
	}
	t.Run("object gold through ParseGameData", func(t *testing.T) {
		pg, err := ParseGameData(`{"question": "q", "answer": ` + zebraGold + `, "metadata": {}}`)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "zebra_puzzle", pg, jsonBlock(string(reencoded)), true)
		expect(t, "zebra_puzzle", pg, bad["swapped pets"], false)
	})
	t.Run("string gold is compared exactly", func(t *testing.T) {
		sg := GameData{Answer: "Arnold"}
		expect(t, "zebra_puzzle", sg, jsonBlock("Arnold"), true)
		expect(t, "zebra_puzzle", sg, jsonBlock("arnold"), false)
		expect(t, "zebra_puzzle", sg, "It is Arnold", false)
	})
	expect(t, "zebra_puzzle", GameData{}, jsonBlock("{}"), false)
}

func TestCipher(t *testing.T) {
	g := GameData{Answer: "[[HELLO, WORLD]]"}
	for _, tc := range []struct {
		name, resp string
		want       bool
	}{
		{"python block", pyBlock(`[["HELLO, WORLD"]]`), true},
		{"single quotes", pyBlock(`[['HELLO, WORLD']]`), true},
		{"bare literal", ` [["HELLO, WORLD"]] `, true},
		{"later block counts", pyBlock(`[["HELLO"]]`) + pyBlock(`[["HELLO, WORLD"]]`), true},
		{"lower case", pyBlock(`[["hello, world"]]`), false},
		{"one level", pyBlock(`["HELLO, WORLD"]`), false},
		{"split", pyBlock(`[["HELLO", "WORLD"]]`), false},
		{"tuple", pyBlock(`[("HELLO, WORLD",)]`), false},
		{"extra char", pyBlock(`[["HELLO, WORLD!"]]`), false},
		{"later wrong", pyBlock(`[["HELLO, WORLD"]]`) + pyBlock(`[["HELLO"]]`), false},
		{"gold brackets kept", pyBlock(`[["[[HELLO, WORLD]]"]]`), false},
		{"prose", `The answer is [["HELLO, WORLD"]]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, "cipher", g, tc.resp, tc.want) })
	}
	// Upstream cuts two characters off each end of any gold; a bare gold is compared whole.
	bare := GameData{Answer: "ABCDE"}
	expect(t, "cipher", bare, pyBlock(`[["ABCDE"]]`), true)
	expect(t, "cipher", bare, pyBlock(`[["C"]]`), false)
	expect(t, "cipher", GameData{Answer: "[[]]"}, pyBlock(`[[""]]`), false)
}

func TestBuggyTables(t *testing.T) {
	jsonAnswer := func(a string) string {
		return "Column A mean is 20.00, column B mean is 7.50.\n```json\n{\n  \"result\": [\n    {\n      \"answer\": " + a + "\n    }\n  ]\n}\n```"
	}
	g := GameData{Answer: "12.50"}
	for _, tc := range []struct {
		name, resp string
		want       bool
	}{
		{"json number", jsonAnswer("12.50"), true},
		{"json string", jsonAnswer(`"12.50"`), true},
		{"prose", "so the difference is 20.00 - 7.50 = 12.50", true},
		{"one decimal", jsonAnswer("12.5"), false},
		{"three decimals", jsonAnswer("12.500"), false},
		{"off by a cent", jsonAnswer("12.51"), false},
		{"negative", jsonAnswer("-12.50"), false},
		{"right in prose, wrong in json", "it is 12.50\n" + jsonAnswer("7.50"), false},
		{"wrong in prose after the json", jsonAnswer("12.50") + "\nor maybe 3.25", false}, // upstream: the last number of the response
		{"later number wins", "12.50 or rather 13.75", false},
		{"no number", "I cannot tell.", false},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, "buggy_tables", g, tc.resp, tc.want) })
	}
	// Upstream compares strings, so "-0.00" fails against "0.00"; an absolute difference that
	// rounds to zero is zero.
	zero := GameData{Answer: "0.00"}
	expect(t, "buggy_tables", zero, jsonAnswer("-0.00"), true)
	expect(t, "buggy_tables", zero, jsonAnswer("0.01"), false)
	up, _ := LookupWith("buggy_tables", Options{Upstream: true})
	if up.Verify(zero, jsonAnswer("-0.00")).Correct || !up.Verify(zero, jsonAnswer("0.00")).Correct {
		t.Error("upstream mode does not compare the strings")
	}
	// A non-numeric gold (kept as is by the generator) must be the whole response.
	word := GameData{Answer: "N/A"}
	expect(t, "buggy_tables", word, " N/A\n", true)
	expect(t, "buggy_tables", word, "The answer is N/A", false)
	expect(t, "buggy_tables", GameData{}, "1.00", false)
}
