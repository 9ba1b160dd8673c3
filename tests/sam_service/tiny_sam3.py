"""A tiny random SAM 3 saved the way facebook/sam3 ships: one Sam3VideoModel folder (detector + tracker), a tokenizer.

Configs follow transformers' own SAM 3 tests (hidden 32, 2 ViT layers, 5 queries, 224-pixel
input); the tracker's memory path needs 64 channels (it hard-codes kv_in_dim=64). The
tokenizer is a word-level one trained in-process (no hub), padded like SAM 3's CLIP tokenizer.
"""

from __future__ import annotations

import json
from pathlib import Path

H = 64
FEATURES = [[64, 64], [32, 32], [16, 16]]  # 224 px / 14 px patches = 16, times the 4x, 2x and 1x scales
WORDS = [
    "the",
    "a",
    "an",
    "red",
    "blue",
    "orange",
    "green",
    "ball",
    "car",
    "square",
    "person",
    "dog",
    "cat",
    "tree",
    "sky",
    "road",
    "left",
    "right",
    "big",
    "small",
]


def _vit():
    from transformers import Sam3ViTConfig

    return Sam3ViTConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        image_size=224,
        patch_size=14,
        window_size=8,
        global_attn_indexes=[0, 1],
    )


def detector_config():
    # every width is 64, like the tracker's: the two share the vision backbone, and the tracker's neck is saved beside it
    from transformers import (
        Sam3Config,
        Sam3DETRDecoderConfig,
        Sam3DETREncoderConfig,
        Sam3GeometryEncoderConfig,
        Sam3MaskDecoderConfig,
        Sam3VisionConfig,
    )

    return Sam3Config(
        vision_config=Sam3VisionConfig(
            backbone_config=_vit(), fpn_hidden_size=H, scale_factors=[4.0, 2.0, 1.0, 0.5], backbone_feature_sizes=FEATURES
        ),
        text_config={
            "vocab_size": 64,
            "hidden_size": 32,
            "intermediate_size": 64,
            "projection_dim": H,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 32,
            "hidden_act": "gelu",
        },
        geometry_encoder_config=Sam3GeometryEncoderConfig(
            hidden_size=H,
            num_layers=1,
            num_attention_heads=4,
            intermediate_size=64,
            mask_fuser_hidden_size=H,
            mask_fuser_num_layers=1,
        ),
        detr_encoder_config=Sam3DETREncoderConfig(hidden_size=H, num_layers=1, num_attention_heads=4, intermediate_size=64),
        detr_decoder_config=Sam3DETRDecoderConfig(
            hidden_size=H, num_layers=1, num_queries=5, num_attention_heads=4, intermediate_size=64
        ),
        mask_decoder_config=Sam3MaskDecoderConfig(hidden_size=H, num_upsampling_stages=2),
    )


def tracker_config():
    from transformers import (
        Sam3TrackerMaskDecoderConfig,
        Sam3TrackerPromptEncoderConfig,
        Sam3TrackerVideoConfig,
        Sam3VisionConfig,
    )

    return Sam3TrackerVideoConfig(
        vision_config=Sam3VisionConfig(
            backbone_config=_vit(), fpn_hidden_size=64, scale_factors=[4.0, 2.0, 1.0, 0.5], backbone_feature_sizes=FEATURES
        ),
        prompt_encoder_config=Sam3TrackerPromptEncoderConfig(
            image_size=224, patch_size=14, mask_input_channels=8, hidden_size=64
        ),
        mask_decoder_config=Sam3TrackerMaskDecoderConfig(
            hidden_size=64, hidden_act="relu", mlp_dim=64, num_attention_heads=4, iou_head_hidden_dim=32
        ),
        memory_attention_hidden_size=64,
        memory_encoder_hidden_size=64,
        memory_encoder_output_channels=64,
        image_size=224,
        mask_downsampler_embed_dim=64,
        memory_fuser_embed_dim=64,
        memory_fuser_intermediate_dim=64,
        memory_attention_num_layers=1,
        memory_attention_feed_forward_hidden_size=64,
    )


def tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<unk>": 1, "<start>": 2, "<end>": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", unk_token="<unk>", bos_token="<start>", eos_token="<end>", model_max_length=32
    )


def build_sam3(target: Path) -> Path:
    """<target>/config.json (sam3_video), model.safetensors, tokenizer files, preprocessor_config.json."""
    import torch
    from transformers import Sam3VideoConfig, Sam3VideoModel

    torch.manual_seed(0)
    model = Sam3VideoModel(
        Sam3VideoConfig(detector_config=detector_config().to_dict(), tracker_config=tracker_config().to_dict())
    ).eval()
    model.save_pretrained(target)
    tokenizer().save_pretrained(target)
    (target / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "image_processor_type": "Sam3ImageProcessor",
                "size": {"height": 224, "width": 224},
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
            }
        )
    )
    return target
