"""Build a randomly initialised model with a real model's shape, locally (no download): what a GPU check trains
when the machine has no network. Its tokenizer is ghpo's tiny one (ids < 512 of the full vocabulary), so memory and
step time are the real model's at the same sequence lengths; what it writes is noise.

    python scripts/shaped_model.py qwen2.5-math-1.5b OUT_DIR
"""

from __future__ import annotations

import argparse

# transformers config fields of the real checkpoints (their config.json on the Hub)
SHAPES = {
    "qwen2.5-math-1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                              num_key_value_heads=2, vocab_size=151936, max_position_embeddings=4096,
                              tie_word_embeddings=True),
    "tiny": dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=1024, max_position_embeddings=1024, tie_word_embeddings=True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shape", choices=sorted(SHAPES), help="which real model's shape")
    parser.add_argument("output_dir", help="folder to write the model and tokenizer to")
    args = parser.parse_args()

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from ghpo.arithmetic import make_rows
    from ghpo.tiny import build_tokenizer

    corpus = [row["problem"] + "\n" + row["solution"] for row in make_rows([1, 2, 3, 4], 50, seed=1)]
    tokenizer = build_tokenizer(corpus, vocab_size=400)
    config = AutoConfig.for_model("qwen2", eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                                  **SHAPES[args.shape])
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(args.output_dir)
    tokenizer.save_pretrained(args.output_dir)
    print(f"{args.shape}: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters in {args.output_dir}")


if __name__ == "__main__":
    main()
