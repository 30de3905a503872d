"""Maps a HF chat template (Jinja text) to one of our built-in templates (by id name in
model_bin.CHAT_TEMPLATES). We never run Jinja: templates are data in the engine
(engines/core/chat_templates.cpp), so an unknown template is an error unless the user
names one with --chat_template."""


def detect(jinja):
    if not jinja:
        return "completion"
    if "<start_of_turn>" in jinja:
        return "gemma"
    if "<|im_start|>" in jinja:
        if "enable_thinking" in jinja:
            return "chatml-qwen3"
        if "You are Qwen" in jinja:
            return "chatml-qwen2.5"
        if "SmolLM" in jinja:
            return "chatml-smollm2"
        return "chatml"
    if "<|start_header_id|>" in jinja:
        return "llama3.1" if "Cutting Knowledge Date" in jinja else "llama3"
    if "[INST]" in jinja:
        return "llama2"
    if "<|user|>" in jinja and "<|assistant|>" in jinja:
        return "zephyr"
    if "### Instruction:" in jinja and "### Response:" in jinja:
        return "alpaca-stanford" if "Below is an instruction" in jinja else "alpaca"
    raise ValueError("unrecognised chat template; pass --chat_template NAME")
