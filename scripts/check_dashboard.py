"""The template's CloudWatch dashboard body is JSON once `!Sub` fills it in, and every
metric it draws is one the function emits (cfn-lint does not look inside the string)."""
import json
import re
import sys

src = open(sys.argv[1] if len(sys.argv) > 1 else "template.yaml").read()
body = src[src.index("DashboardBody: !Sub |"):].split("\n", 1)[1]
lines = []
for line in body.split("\n"):
    if line.startswith("        ") or not line.strip():
        lines.append(line[8:])
    else:
        break
board = json.loads("\n".join(lines).replace("${AWS::Region}", "us-east-1"))
emitted = set(re.findall(r'"(\w+)",\n\s+"(?:Count|None|Milliseconds)"', open("src/report/metrics.rs").read()))
drawn = set()
for w in board["widgets"]:
    for m in w["properties"]["metrics"]:
        if isinstance(m[0], dict):
            drawn.update(re.findall(r'MetricName=\\?"(\w+)', m[0]["expression"]))
        else:
            drawn.add(m[1])
missing = drawn - emitted
assert not missing, f"the dashboard draws metrics the function never emits: {missing} (emitted: {emitted})"
print(f"dashboard: {len(board['widgets'])} widgets, metrics {sorted(drawn)} all emitted")
