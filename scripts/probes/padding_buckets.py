"""Question: how much of a demo warm-up step is padding, and does batching by length make a raw training loop faster?

Command:  .venv/bin/python scripts/probes/padding_buckets.py
Result (2 idle Intel Xeon cores, 2026-12-04): 40 optimizer steps (batch 32, the demo's tiny model) on the demo's
mixed-level warm-up examples take 12.1-13.3 s batched as drawn, 6.8-7.0 s sorted by length (1.8x). Inside TRL's
SFTTrainer, a warm-up batched by length (sorted within windows of 16 batches; an option since removed) ran at
~107 examples/s, about the unbucketed rate, and learnt slower (docs/demo.md, *Faster warm-ups, tried and not
adopted*). A lab notebook tool, not project code.
"""

import time

import torch

from ghpo.demo.settings import parse_settings
from ghpo.demo.warmup import build_examples, untrained_base

settings = parse_settings(["--warmup_examples", "20000"])
examples = build_examples(settings)[10000:]  # past the curriculum: levels 1-8 mixed
model, tokenizer = untrained_base(settings, examples)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
ids = [tokenizer.apply_chat_template(e["prompt"] + e["completion"], tokenize=True, return_dict=True)["input_ids"]
       for e in examples]


def run(order, batch_size=32, steps=40):
    start, padded, used = time.time(), 0, 0
    for i in range(0, batch_size * steps, batch_size):
        chunk = [ids[j] for j in order[i:i + batch_size]]
        x = torch.full((len(chunk), max(map(len, chunk))), tokenizer.pad_token_id)
        mask = torch.zeros_like(x)
        for k, tokens in enumerate(chunk):
            x[k, :len(tokens)], mask[k, :len(tokens)] = torch.tensor(tokens), 1
        padded, used = padded + x.numel(), used + int(mask.sum())
        model(input_ids=x, attention_mask=mask, labels=x.masked_fill(mask == 0, -100)).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return time.time() - start, 1 - used / padded


drawn = list(range(32 * 40))
by_length = sorted(drawn, key=lambda j: len(ids[j]))
for _ in range(2):
    (t_drawn, pad_drawn), (t_sorted, pad_sorted) = run(drawn), run(by_length)
    print(f"as drawn {t_drawn:.1f} s ({pad_drawn:.0%} padding), sorted {t_sorted:.1f} s ({pad_sorted:.0%}): "
          f"ratio {t_sorted / t_drawn:.2f}")
