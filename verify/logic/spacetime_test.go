package logic

import "testing"

func TestSpaceAndTimeTasks(t *testing.T) {
	// Instances shaped like the upstream generators' output, read through ParseGameData.
	parse := func(s string) GameData {
		g, err := ParseGameData(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	space := parse(`{"question": "You are on an N*N square grid ... Put the answer in \\boxed{}; if there is no item output \\boxed{unknown}.", "answer": "Teapot", "difficulty": 1, "metadata": {"shape": "build_square_network", "language": "en", "num_waypoints": 10, "unknown_node_num": 5, "n": 4}}`)
	tree := parse(`{"question": "You are given a tree with 9 nodes ... \\boxed{}, write unknown if empty.", "answer": "apple, pear", "difficulty": 2, "metadata": {"language": "en", "max_num_nodes": 12, "min_num_nodes": 6}}`)
	treeNone := parse(`{"question": "...", "answer": "", "metadata": {"language": "en"}}`)
	timeSeq := parse(`{"question": "... like this:\n[45, 3]", "answer": [45, 3], "difficulty": 1, "metadata": {"trace_id": "t", "n": 3, "rule_prob": 0.5, "records": {"answers": {"answer_record": [], "answer_nums": 3, "answer_maxLen": 45}}}}`)
	timeGoldOnly := GameData{Answer: "[30,1]"}
	for _, tc := range []struct {
		name, task string
		g          GameData
		response   string
		want       bool
	}{
		{"space item", "space_reasoning", space, `I end at the teapot. \boxed{Teapot}`, true},
		{"space case", "space_reasoning", space, `\boxed{teapot}`, true},
		{"space later box", "space_reasoning", space, `\boxed{cup} ... no, \boxed{Teapot}`, true},
		{"space wrong item", "space_reasoning", space, `\boxed{cup}`, false},
		{"space unboxed", "space_reasoning", space, "The answer is Teapot.", false},
		{"space unknown", "space_reasoning", space, `\boxed{unknown}`, false},
		{"tree set", "space_reasoning_tree", tree, `\boxed{pear, apple}`, true},
		{"tree no spaces", "space_reasoning_tree", tree, `\boxed{apple,pear}`, true},
		{"tree chinese comma", "space_reasoning_tree", tree, `\boxed{apple，pear}`, true},
		{"tree missing", "space_reasoning_tree", tree, `\boxed{apple}`, false},
		{"tree extra", "space_reasoning_tree", tree, `\boxed{apple, pear, fig}`, false},
		{"tree unboxed", "space_reasoning_tree", tree, "apple, pear", false},
		{"tree empty as unknown", "space_reasoning_tree", treeNone, `\boxed{unknown}`, false},
		{"tree empty box", "space_reasoning_tree", treeNone, `\boxed{}`, true},
		{"tree empty but items", "space_reasoning_tree", treeNone, `\boxed{apple}`, false},
		{"time pair", "time_sequence", timeSeq, "The longest is 45 minutes, 3 options.\n[45, 3]", true},
		{"time full-width comma", "time_sequence", timeSeq, "[45，3]", true},
		{"time later list", "time_sequence", timeSeq, "[30, 2] is wrong; [45, 3]", true},
		{"time swapped", "time_sequence", timeSeq, "[3, 45]", false},
		{"time count wrong", "time_sequence", timeSeq, "[45, 2]", false},
		{"time strings", "time_sequence", timeSeq, `["45", "3"]`, false},
		{"time three items", "time_sequence", timeSeq, "[45, 3, 1]", true}, // upstream reads two items
		{"time earlier right", "time_sequence", timeSeq, "[45, 3] or maybe [30, 2]", false},
		{"time no list", "time_sequence", timeSeq, "45 minutes, 3 ways", false},
		{"time gold only", "time_sequence", timeGoldOnly, "[30, 1]", true},
		{"time gold only wrong", "time_sequence", timeGoldOnly, "[30, 2]", false},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, tc.task, tc.g, tc.response, tc.want) })
	}
	expect(t, "time_sequence", GameData{Answer: "soon"}, "[1, 2]", false)
}
