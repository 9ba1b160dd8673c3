"""A tiny random SAM 3 saved the way facebook/sam3 ships: one Sam3VideoModel folder (detector + tracker), a tokenizer.

Sizes keep the ratios of the real checkpoint, which the video tracker's memory path depends on
(transformers 5.24, models/sam3_tracker_video):

* the memory is 64 channels wide: the memory attention's cross-attention hard-codes
  kv_in_dim=64, so memory_encoder_output_channels must be 64;
* the model's width (fpn_hidden_size = H) must be a multiple of the memory width and larger:
  object pointers are H wide and are split into H/64 memory tokens only when H > 64; at H == 64
  they stay one rank too high and the memory concat fails ("got 3 and 4" dimensions). The real
  model has 256 over 64; here 128 over 64;
* the detector and the tracker share one vision backbone (Sam3VideoModel's tracker_neck is built
  from the detector's vision config), so both are H wide;
* the low-resolution mask is 4 x (image / patch) = 64 px (Sam3VideoConfig.low_res_mask_size).

ViT, 2 layers of 32 and 5 queries follow transformers' own SAM 3 tests; the input is 112 pixels
(224 in those tests) to keep the memory encoder's convolutions cheap on a shared CPU. The
tokenizer is a word-level one trained in-process (no hub), padded like SAM 3's CLIP tokenizer.
"""

from __future__ import annotations

import json
from pathlib import Path

H = 128  # the model's width (fpn_hidden_size): a multiple of MEM, larger than it
MEM = 64  # the memory's width: fixed by transformers (kv_in_dim=64)
SIZE, PATCH = 112, 14  # the model's square input; 8 x 8 patches (one ViT window)
GRID = SIZE // PATCH
FEATURES = [[4 * GRID] * 2, [2 * GRID] * 2, [GRID] * 2]  # the backbone's 4x, 2x and 1x scales
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
        image_size=SIZE,
        patch_size=PATCH,
        window_size=8,
        global_attn_indexes=[0, 1],
    )


def detector_config():
    # every width is H, like the tracker's: the two share the vision backbone, and the tracker's neck is saved beside it
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
            backbone_config=_vit(), fpn_hidden_size=H, scale_factors=[4.0, 2.0, 1.0, 0.5], backbone_feature_sizes=FEATURES
        ),
        prompt_encoder_config=Sam3TrackerPromptEncoderConfig(
            image_size=SIZE, patch_size=PATCH, mask_input_channels=8, hidden_size=H
        ),
        mask_decoder_config=Sam3TrackerMaskDecoderConfig(
            hidden_size=H, hidden_act="relu", mlp_dim=64, num_attention_heads=4, iou_head_hidden_dim=32
        ),
        memory_attention_hidden_size=H,  # attends over the current frame's features, H wide
        memory_encoder_hidden_size=H,  # fuses the frame's features (H) with the downsampled mask
        memory_encoder_output_channels=MEM,
        image_size=SIZE,
        mask_downsampler_embed_dim=H,
        memory_fuser_embed_dim=H,
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
        Sam3VideoConfig(
            detector_config=detector_config().to_dict(),
            tracker_config=tracker_config().to_dict(),
            low_res_mask_size=FEATURES[0][0],  # the tracker's mask logits: 4 x (112 / 14)
        )
    ).eval()
    model.save_pretrained(target)
    tokenizer().save_pretrained(target)
    (target / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "image_processor_type": "Sam3ImageProcessor",
                "size": {"height": SIZE, "width": SIZE},
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
            }
        )
    )
    return target
