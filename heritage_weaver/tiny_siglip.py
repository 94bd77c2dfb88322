"""A tiny SigLIP, built offline and deterministically, in the on-disk format of the real one
(and a SigLIP-base-shaped one with random weights, for benchmarks).

Tests and the demo load it through the very same loader as `google/siglip-base-patch16-224`:
`config.json` + `model.safetensors` + an image processor + a sentencepiece tokenizer, here
trained on the collections' own text so that token ids mean something.
"""

from __future__ import annotations

import io
import math
import re
import string
import tempfile
from collections.abc import Iterable
from pathlib import Path

# The real SigLIP vocabulary puts <pad> at 0, </s> at 1 and <unk> at 2, and pads with </s>.
PAD_ID, EOS_ID, UNK_ID = 0, 1, 2
MAX_TEXT_TOKENS = 64
IMAGE_SIZE = 32
PATCH_SIZE = 8
HIDDEN_SIZE = 64
LAYERS = 2
HEADS = 2
VOCAB_SIZE = 1024
INITIAL_LOGIT_SCALE = math.log(10.0)  # the SigLIP paper's initialisation: t' = log 10, b = -10
INITIAL_LOGIT_BIAS = -10.0


def canonical_text(text: str) -> str:
    """Lower-case, punctuation removed, spaces collapsed: what SiglipTokenizer feeds sentencepiece."""
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return re.sub(r"\s+", " ", text).strip()


def train_sentencepiece(texts: Iterable[str], vocab_size: int = VOCAB_SIZE) -> bytes:
    """A unigram sentencepiece model on the (canonicalised, de-duplicated, sorted) texts.

    Trained in memory so that no file path ends up in the model's trainer spec: the same
    texts give byte-identical models.
    """
    import sentencepiece as spm

    lines = sorted({canonical_text(t) for t in texts} - {""})
    if not lines:
        raise ValueError("cannot train a tokenizer on no text")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        pad_id=PAD_ID,
        eos_id=EOS_ID,
        unk_id=UNK_ID,
        bos_id=-1,
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        character_coverage=1.0,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
    )
    return model.getvalue()


def tiny_config(vocab_size: int, image_size: int = IMAGE_SIZE):
    from transformers import SiglipConfig

    shared = dict(
        hidden_size=HIDDEN_SIZE, intermediate_size=4 * HIDDEN_SIZE, num_hidden_layers=LAYERS, num_attention_heads=HEADS
    )
    return SiglipConfig(
        text_config=dict(
            shared,
            vocab_size=vocab_size,
            max_position_embeddings=MAX_TEXT_TOKENS,
            pad_token_id=EOS_ID,
            bos_token_id=None,
            eos_token_id=EOS_ID,
        ),
        vision_config=dict(shared, image_size=image_size, patch_size=PATCH_SIZE),
    )


def build_tiny_siglip(out_dir: Path, texts: Iterable[str], seed: int = 0, image_size: int = IMAGE_SIZE) -> Path:
    """Write a tiny, randomly initialised SigLIP checkpoint with a tokenizer trained on `texts`."""
    import torch
    from transformers import SiglipImageProcessorPil, SiglipModel, SiglipProcessor, SiglipTokenizer
    from transformers.utils import logging as transformers_logging

    from heritage_weaver.siglip import check_token_ids

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        vocab_file = Path(scratch) / "spiece.model"
        vocab_file.write_bytes(train_sentencepiece(texts))
        tokenizer = SiglipTokenizer(vocab_file=str(vocab_file), model_max_length=MAX_TEXT_TOKENS)
        image_processor = SiglipImageProcessorPil(size={"height": image_size, "width": image_size})
        SiglipProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(out_dir)
        image_processor.save_pretrained(out_dir)  # preprocessor_config.json, as the hub checkpoints have

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SiglipModel(tiny_config(tokenizer.vocab_size, image_size))
        with torch.no_grad():
            model.logit_scale.fill_(INITIAL_LOGIT_SCALE)
            model.logit_bias.fill_(INITIAL_LOGIT_BIAS)
    check_token_ids(model.config.text_config, tokenizer)
    transformers_logging.disable_progress_bar()
    model.save_pretrained(out_dir)
    return out_dir


BASE_VOCAB_SIZE = 32_000  # google/siglip-base-patch16-224's vocabulary


def build_base_shaped_siglip(out_dir: Path, texts: Iterable[str], seed: int = 0) -> Path:
    """A SigLIP with google/siglip-base-patch16-224's shape (768-d, 12 + 12 layers, 224 px, patch 16,
    a 32,000-row token embedding) and random weights, in the same on-disk format as the tiny one.

    The tokenizer is trained on `texts` (so it uses only its own first ids); the weights are what a
    benchmark needs: the real model's size and arithmetic, not its knowledge.
    """
    import torch
    from transformers import SiglipConfig, SiglipModel

    out_dir = build_tiny_siglip(out_dir, texts, seed=seed, image_size=224)  # processor and tokenizer files
    config = SiglipConfig(
        text_config=dict(
            vocab_size=BASE_VOCAB_SIZE,
            max_position_embeddings=MAX_TEXT_TOKENS,
            pad_token_id=EOS_ID,
            bos_token_id=None,
            eos_token_id=EOS_ID,
        ),
        vision_config=dict(image_size=224, patch_size=16),
    )  # the remaining defaults are SigLIP-base's
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SiglipModel(config)
        with torch.no_grad():
            model.logit_scale.fill_(INITIAL_LOGIT_SCALE)
            model.logit_bias.fill_(INITIAL_LOGIT_BIAS)
    for stale in out_dir.glob("model*.safetensors*"):
        stale.unlink()
    model.save_pretrained(out_dir)
    return out_dir
