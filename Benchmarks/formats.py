#!/usr/bin/env python3
"""Writes the same N requests in the native schemas and in each preset, for comparing parse
cost (Benchmarks/formats.sh). Each request has the same model, client, address, latency, status
and tokens in every format; each format adds what its writer always writes (Bedrock its bodies,
LiteLLM its metadata, ALB its trailing fields), as the real records in Tests/Fixtures/formats do.

    python3 Benchmarks/formats.py OUT_DIR N
"""
import json
import os
import sys

out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
files = {name: open(os.path.join(out, name), "w") for name in [
    "native.jsonl", "bedrock.jsonl", "litellm.jsonl", "kong-ai.jsonl", "sagemaker-capture.jsonl",
    "combined.log", "alb.log", "gcp-lb.jsonl", "nginx-json.log"]}
months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
for i in range(count):
    second = i % 86400
    hh, mm, ss = second // 3600, second // 60 % 60, second % 60
    stamp = f"2026-11-17T{hh:02d}:{mm:02d}:{ss:02d}.{i % 1000:03d}Z"
    epoch = 1794873600 + second + (i % 1000) / 1000
    model = "gpt-4o-mini" if i % 3 else "claude-3-haiku"
    client = f"k-{i % 977}"
    ip = f"94.15.{i % 250}.{i % 7}"
    latency = (i % 900) / 10 + 1
    status = 503 if i % 97 == 0 else 200
    prompt, completion = 100 + i % 400, 20 + i % 90
    rid = f"f563d66e-{i}"
    files["native.jsonl"].write(json.dumps({
        "ts": stamp, "request_id": rid, "model": model, "client": client, "ip": ip, "host": "us-east-1",
        "latency_ms": latency, "status": status, "prompt_tokens": prompt, "completion_tokens": completion},
        separators=(",", ":")) + "\n")
    files["bedrock.jsonl"].write(json.dumps({
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": stamp, "accountId": "111122223333",
        "identity": {"arn": f"arn:aws:iam::111122223333:user/{client}"}, "region": "us-east-1", "requestId": rid,
        "operation": "Converse", "modelId": model,
        "input": {"inputContentType": "application/json", "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "what is the capital of missouri, usa?"}]}], "inferenceConfig": {"maxTokens": 512}}, "inputTokenCount": prompt},
        "output": {"outputContentType": "application/json", "outputBodyJson": {"output": {"message": {"role": "assistant", "content": [{"text": "The capital of Missouri is Jefferson City."}]}}, "stopReason": "end_turn", "metrics": {"latencyMs": latency}, "usage": {"inputTokens": prompt, "outputTokens": completion}}, "outputTokenCount": completion}},
        separators=(",", ":")) + "\n")
    files["litellm.jsonl"].write(json.dumps({
        "id": rid, "call_type": "acompletion", "status": "success" if status == 200 else "failure",
        "startTime": epoch - latency / 1000, "endTime": epoch, "model": model, "api_base": "us-east-1",
        "metadata": {"user_api_key_hash": None, "user_api_key_alias": client, "requester_ip_address": ip},
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        "response_time": latency / 1000, "model_parameters": {"temperature": 0.2},
        "error_information": {"error_code": "" if status == 200 else "503"}}, separators=(",", ":")) + "\n")
    files["kong-ai.jsonl"].write(json.dumps({
        "client_ip": ip, "started_at": int(epoch * 1000 - latency), "request": {"id": rid, "method": "POST", "uri": "/v1/chat/completions"},
        "response": {"status": status, "size": 1200}, "latencies": {"kong": 1, "proxy": latency, "request": latency},
        "consumer": {"username": client}, "ai": {"proxy": {"usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        "meta": {"request_model": model, "response_model": model, "provider_name": "us-east-1", "llm_latency": latency}}}},
        separators=(",", ":")) + "\n")
    files["sagemaker-capture.jsonl"].write(json.dumps({
        "captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": f"{i % 500},{i % 30},1.5", "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.0107", "encoding": "CSV"}},
        "eventMetadata": {"eventId": rid, "inferenceTime": stamp[:19] + "Z"}, "eventVersion": "0"}, separators=(",", ":")) + "\n")
    clf = f"17/Nov/2026:{hh:02d}:{mm:02d}:{ss:02d} +0000"
    files["combined.log"].write(
        f'{ip} - - [{clf}] "POST /v1/chat/completions HTTP/1.1" {status} 1200 "-" "python-requests/2.31" rt={latency / 1000:.3f} rid={rid} key={client}\n')
    files["alb.log"].write(
        f'https {stamp[:23]}000Z app/my-lb/50dc6c495c0c9188 {ip}:2817 10.0.0.1:80 0.000 {latency / 1000:.3f} 0.000 {status} {status} 340 1200 '
        f'"POST https://api.example.com:443/v1/chat/completions HTTP/1.1" "python-requests/2.31" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
        f'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-{rid}" "api.example.com" '
        f'"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 {stamp[:23]}000Z "forward" "-" "-" "10.0.0.1:80" "{status}" "-" "-" TID_0\n')
    files["gcp-lb.jsonl"].write(json.dumps({
        "insertId": rid, "jsonPayload": {"@type": "type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry", "statusDetails": "response_sent_by_backend"},
        "httpRequest": {"requestMethod": "POST", "requestUrl": "https://api.example.com/v1/chat/completions", "requestSize": "340", "status": status,
        "responseSize": "1200", "userAgent": "python-requests/2.31", "remoteIp": ip, "latency": f"{latency / 1000:.6f}s"},
        "resource": {"type": "http_load_balancer", "labels": {"project_id": "p"}}, "timestamp": stamp, "severity": "INFO"},
        separators=(",", ":")) + "\n")
    files["nginx-json.log"].write(json.dumps({
        "time_iso8601": stamp[:19] + "+00:00", "remote_addr": ip, "remote_user": "", "request": "POST /v1/chat/completions HTTP/1.1",
        "status": str(status), "body_bytes_sent": "1200", "request_time": f"{latency / 1000:.3f}", "http_referer": "",
        "http_user_agent": "python-requests/2.31", "http_x_api_key": client, "request_id": rid}, separators=(",", ":")) + "\n")
for handle in files.values():
    handle.close()
