"""verl custom reward function that scores through `mirage serve-reward`.

Standard library only. In the verl config:

    custom_reward_function:
      path: deploy/verl_reward.py
      name: compute_score          # naive / prime reward managers: one response per call
      # name: compute_score_batch  # reward_model.reward_manager=batch: lists per call

Each call POSTs the responses to the service's /v1/score endpoint (see docs/scale-out.md)
and returns, per response, a dict whose "score" is the reward; the other keys (acc,
format_ok, no_answer, over_budget) are numbers verl logs.

Environment:
    MIRAGE_REWARD_URL      service address (default http://127.0.0.1:8000)
    MIRAGE_REWARD_TOKEN    bearer token, when the service was started with --token
    MIRAGE_REWARD_NAME     reward name (default: the service's --reward)
    MIRAGE_REWARD_TIMEOUT  seconds per request (default 300)
    MIRAGE_REWARD_RETRIES  attempts on connection errors and 5xx answers (default 3)

A 4xx answer (a malformed request) is raised at once with the service's reason.
"""

import json
import os
import time
import urllib.error
import urllib.request


def _plain(value):
    """Makes numpy arrays and scalars (verl's extra_info holds them) JSON-encodable."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _item(data_source, solution_str, ground_truth, extra_info):
    item = {"response": solution_str}
    if data_source is not None:
        item["data_source"] = str(data_source)
    if ground_truth is not None:
        item["ground_truth"] = ground_truth
    if extra_info:
        item["extra_info"] = dict(extra_info)
    return item


def _post(items):
    url = os.environ.get("MIRAGE_REWARD_URL", "http://127.0.0.1:8000").rstrip("/") + "/v1/score"
    body = {"items": items}
    name = os.environ.get("MIRAGE_REWARD_NAME")
    if name:
        body["reward"] = name
    data = json.dumps(body, default=_plain).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("MIRAGE_REWARD_TOKEN")
    if token:
        headers["Authorization"] = "Bearer " + token
    timeout = float(os.environ.get("MIRAGE_REWARD_TIMEOUT", "300"))
    retries = max(1, int(os.environ.get("MIRAGE_REWARD_RETRIES", "3")))
    for attempt in range(retries):
        try:
            req = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                results = json.load(resp)["results"]
            break
        except urllib.error.HTTPError as e:
            reason = e.read().decode("utf-8", "replace")
            if e.code < 500 or attempt == retries - 1:
                raise RuntimeError(f"mirage serve-reward {url}: HTTP {e.code}: {reason}") from None
        except (urllib.error.URLError, OSError) as e:
            if attempt == retries - 1:
                raise RuntimeError(f"mirage serve-reward {url}: {e}") from None
        time.sleep(2 ** attempt)
    if len(results) != len(items):
        raise RuntimeError(f"mirage serve-reward {url}: {len(results)} results for {len(items)} responses")
    return [
        {
            "score": float(r["score"]),
            "acc": float(r["correct"]),
            "format_ok": float(r["format_ok"]),
            "no_answer": float(r["no_answer"]),
            "over_budget": float(r["over_budget"]),
        }
        for r in results
    ]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-response reward function: a dict with "score" for one response."""
    return _post([_item(data_source, solution_str, ground_truth, extra_info)])[0]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl's batch reward manager function: one dict with "score" per response, in order."""
    n = len(solution_strs)
    if data_sources is None:
        data_sources = [None] * n
    if extra_infos is None:
        extra_infos = [None] * n
    if not (len(data_sources) == len(ground_truths) == len(extra_infos) == n):
        raise ValueError("compute_score_batch: data_sources, solution_strs, ground_truths and extra_infos differ in length")
    return _post([_item(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extra_infos)])
