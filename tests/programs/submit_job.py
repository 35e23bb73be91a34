"""Submit ARGV[2] to the Ray Jobs server at ARGV[1] with JobSubmissionClient, wait up to
ARGV[3] seconds, and print its status and logs as one JSON line.

Run in its own interpreter: the client must not share the test's Ray state or
environment (tests/training/test_job_submission.py).
"""

import json
import sys
import time

from ray.job_submission import JobSubmissionClient

address, entrypoint, timeout_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
client = JobSubmissionClient(address)
job_id = client.submit_job(entrypoint=entrypoint)
deadline = time.monotonic() + timeout_s
while not (status := client.get_job_status(job_id)).is_terminal():
    if time.monotonic() > deadline:
        client.stop_job(job_id)
        break
    time.sleep(2)
print(json.dumps({"status": str(status.value), "logs": client.get_job_logs(job_id)}))
