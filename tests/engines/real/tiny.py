"""Tiny random LTX-2, FLUX.2 [klein] and Gemma 3, built from configs and saved like downloaded weights.

Each model is written with save_pretrained into `<models_dir>/<library id>/` exactly as the
model library lays out real weights (LTX-2 without its text encoder, Gemma 3 as its own
folder, the spatial upsampler as its own folder), so the engines load them through the code
path users hit. Tokenizers are trained in-process on a few sentences (no hub access).

The VAEs keep the real compression (LTX-2: 32x spatial, 8x temporal; FLUX.2: 8x): with a 2x
test VAE the token count explodes and one call takes minutes instead of a fraction of a second.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CORPUS = [
    "a robot dancing in the rain",
    "a cat walking on a sunny beach at sunset",
    "a woman with long brown hair smiles at the camera",
    "cinematic close-up, warm light, shallow depth of field",
    "the camera pans slowly across a foggy mountain valley",
    "a red car drives through a neon city at night",
    "two dogs play with a ball in a green park",
    "an astronaut floats inside a space station",
    "waves crash against rocks, slow motion",
    "a chef chops vegetables in a busy kitchen",
    '{"enhanced_prompt": "a robot", "is_reference_only": false}',
] * 20

GEMMA_IMAGE_TOKENS = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
# Gemma's turn format, enough for system + user (+ image) + generation prompt.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% set role = 'user' if m['role'] == 'system' else m['role'] %}"
    "<start_of_turn>{{ 'model' if role == 'assistant' else role }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<start_of_image>{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
QWEN_CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}"
)


def gemma_tokenizer(work: Path):
    """A sentencepiece GemmaTokenizer with Gemma 3's image tokens, loaded the way real checkpoints ship it."""
    import sentencepiece as spm
    from transformers import AutoTokenizer

    work.mkdir(parents=True, exist_ok=True)
    (work / "corpus.txt").write_text("\n".join(CORPUS))
    spm.SentencePieceTrainer.train(
        input=str(work / "corpus.txt"),
        model_prefix=str(work / "tokenizer"),
        vocab_size=400,
        model_type="bpe",
        byte_fallback=True,
        pad_id=0,
        eos_id=1,
        bos_id=2,
        unk_id=3,
        minloglevel=2,
        user_defined_symbols=["<mask>", "<start_of_turn>", "<end_of_turn>", *GEMMA_IMAGE_TOKENS.values()],
        pad_piece="<pad>",
        eos_piece="<eos>",
        bos_piece="<bos>",
        unk_piece="<unk>",
    )
    (work / "tokenizer.vocab").unlink()
    (work / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "GemmaTokenizer",
                "model_max_length": 2048,
                "add_bos_token": True,
                "extra_special_tokens": GEMMA_IMAGE_TOKENS,
            }
        )
    )
    return AutoTokenizer.from_pretrained(work)


def build_gemma(target: Path, work: Path) -> Path:
    """Gemma3ForConditionalGeneration (2 layers, hidden 32, 1-layer SigLIP) + Gemma3Processor."""
    import torch
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3Processor, Gemma3TextConfig, SiglipVisionConfig
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    tok = gemma_tokenizer(work)
    text = Gemma3TextConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=2048,
        sliding_window=64,
        query_pre_attn_scalar=16,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    vision = SiglipVisionConfig(
        hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14
    )
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in GEMMA_IMAGE_TOKENS.items()}
    cfg = Gemma3Config(
        text_config=text,
        vision_config=vision,
        mm_tokens_per_image=4,
        boi_token_index=ids["boi_token"],
        eoi_token_index=ids["eoi_token"],
        image_token_index=ids["image_token"],
    )
    torch.manual_seed(0)
    model = Gemma3ForConditionalGeneration(cfg).eval()
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessorPil(size={"height": 28, "width": 28}),
        tokenizer=tok,
        image_seq_length=4,
        chat_template=GEMMA_CHAT_TEMPLATE,
    )
    model.save_pretrained(target)
    processor.save_pretrained(target)
    tok.save_pretrained(target)
    return target


# What tells the versions apart, in the tiny models as in the released configs (engines/ltx2/versions.py):
# 2.3 adds gated attention and prompt cross-attention modulation and projects the caption per modality in the
# connectors; 2.5 also drops the video feed-forward biases, stores a keyframe position embedding, bundles a
# Gemma 4 text encoder and carries the duration head.
TRANSFORMER_2_3 = {
    "gated_attn": True,
    "cross_attn_mod": True,
    "audio_gated_attn": True,
    "audio_cross_attn_mod": True,
    "use_prompt_embeddings": False,
}
TRANSFORMER_2_5 = {**TRANSFORMER_2_3, "ff_bias": False, "use_keyframes_abs_pos_embedding": True}


def build_gemma4(work: Path):
    """A tiny Gemma 4 text encoder (2 layers, hidden 32, text only) and its tokenizer, as LTX-2.5 bundles them."""
    import torch
    from transformers import Gemma4UnifiedConfig, Gemma4UnifiedForConditionalGeneration, Gemma4UnifiedTextConfig

    tok = gemma_tokenizer(work)
    text = Gemma4UnifiedTextConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        global_head_dim=16,
        max_position_embeddings=2048,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in GEMMA_IMAGE_TOKENS.items()}
    cfg = Gemma4UnifiedConfig(
        text_config=text,
        vision_config=None,
        audio_config=None,
        boi_token_id=ids["boi_token"],
        eoi_token_id=ids["eoi_token"],
        image_token_id=ids["image_token"],
        video_token_id=3,
        boa_token_id=3,
        eoa_token_index=3,
        audio_token_id=3,
    )
    torch.manual_seed(0)
    return Gemma4UnifiedForConditionalGeneration(cfg).eval(), tok


def build_ltx2(target: Path, upsampler_target: Path, gemma_dir: Path, version: str = "2.0", work: Path | None = None) -> Path:
    """LTX-2 (2.0, 2.3 or 2.5) with a real-geometry VAE.

    2.0 and 2.3 are saved without text_encoder/tokenizer (they come from the shared Gemma 3 folder,
    as in the library); 2.5 keeps its own Gemma 4 encoder and gets a duration head.
    """
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import AutoTokenizer, Gemma3ForConditionalGeneration

    if version == "2.5":
        text_encoder, tokenizer = build_gemma4(work or target.parent / "gemma4_tok")
    else:
        text_encoder = Gemma3ForConditionalGeneration.from_pretrained(gemma_dir)
        tokenizer = AutoTokenizer.from_pretrained(gemma_dir)
    tc = text_encoder.config.text_config
    extra = {"2.0": {}, "2.3": TRANSFORMER_2_3, "2.5": TRANSFORMER_2_5}[version]
    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=tc.hidden_size,
        rope_double_precision=False,
        rope_type="split",
        **extra,
    )
    if version == "2.0":
        connectors = LTX2TextConnectors(
            caption_channels=tc.hidden_size,
            text_proj_in_factor=tc.num_hidden_layers + 1,
            video_connector_num_attention_heads=4,
            video_connector_attention_head_dim=8,
            video_connector_num_layers=1,
            video_connector_num_learnable_registers=None,
            audio_connector_num_attention_heads=4,
            audio_connector_attention_head_dim=8,
            audio_connector_num_layers=1,
            audio_connector_num_learnable_registers=None,
            connector_rope_base_seq_len=32,
            rope_theta=10000.0,
            rope_double_precision=False,
            causal_temporal_positioning=False,
            rope_type="split",
        )
    else:  # per-modality projections straight into the transformer's widths (16 video, 8 audio)
        connectors = LTX2TextConnectors(
            caption_channels=tc.hidden_size,
            text_proj_in_factor=tc.num_hidden_layers + 1,
            video_connector_num_attention_heads=2,
            video_connector_attention_head_dim=8,
            video_connector_num_layers=1,
            video_connector_num_learnable_registers=None,
            video_gated_attn=True,
            audio_connector_num_attention_heads=2,
            audio_connector_attention_head_dim=4,
            audio_connector_num_layers=1,
            audio_connector_num_learnable_registers=None,
            audio_gated_attn=True,
            connector_rope_base_seq_len=32,
            rope_theta=10000.0,
            rope_double_precision=False,
            causal_temporal_positioning=False,
            rope_type="split",
            per_modality_projections=True,
            video_hidden_dim=16,
            audio_hidden_dim=8,
            proj_bias=True,
        )
    vae = AutoencoderKLLTX2Video(  # the real geometry: 32x spatial, 8x temporal
        latent_channels=4,
        block_out_channels=(8, 16, 32, 64),
        decoder_block_out_channels=(8, 16, 32),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        decoder_inject_noise=(False,) * 4,
        timestep_conditioning=False,
        spatial_compression_ratio=32,
        temporal_compression_ratio=8,
    )
    # audio as in LTX-2.0: 16 kHz mel at hop 160 (100 mel frames/s), vocoder x240 -> 24 kHz
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1,),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=2,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=16000,
        mel_hop_length=160,
        is_causal=True,
        mel_bins=8,
    )
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins,
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[12, 10, 16],
        upsample_factors=[6, 5, 8],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=24000,
    )
    duration_head = None
    if version == "2.5":
        from diffusers.pipelines.ltx2 import LTX2DurationHead

        torch.manual_seed(0)
        duration_head = LTX2DurationHead(
            video_cross_attention_dim=16, audio_cross_attention_dim=8, pooler_hidden_dim=8, num_pooler_heads=2, mlp_hidden_dim=8
        )
    pipe = LTX2Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        audio_vae=audio_vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        connectors=connectors,
        transformer=transformer,
        vocoder=vocoder,
        duration_head=duration_head,
    )
    pipe.save_pretrained(target)
    if version != "2.5":
        for shared in ("text_encoder", "tokenizer"):  # the library keeps Gemma 3 in its own folder
            shutil.rmtree(target / shared)
    torch.manual_seed(0)
    LTX2LatentUpsamplerModel(in_channels=4, mid_channels=32, num_blocks_per_stage=1, dims=3).save_pretrained(
        upsampler_target / "latent_upsampler"
    )
    return target


def qwen2_tokenizer(work: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, Qwen2Tokenizer

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(
            vocab_size=600, special_tokens=specials, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    t = Qwen2Tokenizer(vocab=model["vocab"], merges=merges, model_max_length=1024)
    t.add_special_tokens({"additional_special_tokens": specials[1:]})
    t.chat_template = QWEN_CHAT_TEMPLATE
    t.save_pretrained(work)
    return AutoTokenizer.from_pretrained(work)


def build_flux2_klein(target: Path, work: Path) -> Path:
    """FLUX.2 [klein] (distilled) with a 4-block (8x) VAE and a 28-layer hidden-16 Qwen3 text encoder.

    28 layers so the pipeline's default text_encoder_out_layers (9, 18, 27) work as on the real model.
    """
    import torch
    from diffusers import AutoencoderKLFlux2, FlowMatchEulerDiscreteScheduler, Flux2KleinPipeline, Flux2Transformer2DModel
    from transformers import Qwen3Config, Qwen3ForCausalLM

    tok = qwen2_tokenizer(work)
    torch.manual_seed(0)
    te = Qwen3ForCausalLM(
        Qwen3Config(
            intermediate_size=32,
            hidden_size=16,
            num_hidden_layers=28,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=8,
            vocab_size=len(tok),
            max_position_embeddings=1024,
        )
    ).eval()
    torch.manual_seed(0)
    transformer = Flux2Transformer2DModel(
        patch_size=1,
        in_channels=4,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=48,
        timestep_guidance_channels=256,
        axes_dims_rope=[4, 4, 4, 4],
        guidance_embeds=False,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLFlux2(
        sample_size=32,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(4, 4, 4, 4),
        layers_per_block=1,
        latent_channels=1,
        norm_num_groups=1,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )
    Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        text_encoder=te,
        tokenizer=tok,
        transformer=transformer,
        is_distilled=True,
    ).save_pretrained(target)
    return target


def build_versions(models_dir: Path, work: Path) -> dict[str, Path]:
    """Tiny LTX-2.0, 2.3 and 2.5 side by side in one library (each with its own upsampler), plus Gemma 3."""
    gemma = build_gemma(models_dir / "gemma3-12b", work / "gemma_tok")
    out = {"gemma3": gemma}
    for version, base, upscaler in (
        ("2.0", "ltx2-dev", "ltx2-spatial-upscaler"),
        ("2.3", "ltx23-dev", "ltx23-spatial-upscaler"),
        ("2.5", "ltx25-distilled", "ltx25-spatial-upscaler"),
    ):
        out[version] = build_ltx2(models_dir / base, models_dir / upscaler, gemma, version, work / f"tok_{base}")
    return out


def build_all(models_dir: Path, work: Path) -> dict[str, Path]:
    """Every tiny model, in the library layout under models_dir."""
    gemma = build_gemma(models_dir / "gemma3-12b", work / "gemma_tok")
    ltx2 = build_ltx2(models_dir / "ltx2-dev", models_dir / "ltx2-spatial-upscaler", gemma)
    flux = build_flux2_klein(models_dir / "flux2-klein-4b", work / "qwen_tok")
    return {"gemma3": gemma, "ltx2": ltx2, "upsampler": models_dir / "ltx2-spatial-upscaler", "flux2": flux}


def build_temporal_upsampler(target: Path) -> Path:
    """LTX-2.5's temporal x2 latent upsampler (smooth motion), tiny, laid out as the library keeps it."""
    import torch
    from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel

    torch.manual_seed(0)
    folder = target / "temporal_latent_upsampler"
    LTX2LatentUpsamplerModel(
        in_channels=4, mid_channels=32, num_blocks_per_stage=1, dims=3, spatial_upsample=False, temporal_upsample=True
    ).save_pretrained(folder)
    return folder
