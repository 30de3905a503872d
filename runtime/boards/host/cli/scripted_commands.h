// `inferpi tokenize|chat-render|logits|generate|perplexity MODEL_DIR ...`: the scriptable interface
// every engine supports (README "Host CLI"). Each returns the process exit status and prints a
// one-line message on error.
#pragma once

namespace inferpi::host {

int cmd_tokenize(int argc, char** argv);
int cmd_chat_render(int argc, char** argv);
int cmd_logits(int argc, char** argv);
int cmd_generate(int argc, char** argv);
int cmd_perplexity(int argc, char** argv);

}  // namespace inferpi::host
