"""WeChat's protocol and nothing of ours: signing and AES, parsing what WeChat posts into
typed messages, rendering passive replies, the async API client, its errcodes, the local
sandbox that stands in for WeChat's API, and the simulator that plays WeChat's side.
Nothing here imports the rest of the service."""
