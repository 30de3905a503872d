// ModelShape: a transformer's dimensions. The Llama config is one; ModelInfo carries one for
// the menu and /stats.
#pragma once

namespace inferpi {

struct ModelShape {
  int dim = 0;          // D, hidden size
  int hidden_dim = 0;   // F, FFN inner size
  int n_layers = 0;     // L
  int n_heads = 0;      // H, query heads
  int n_kv_heads = 0;   // KV heads (GQA: H % KV == 0)
  int head_dim = 0;     // hs (usually D / H)
  int vocab_size = 0;   // V
  int max_context = 0;  // positions the model was trained for
};

}  // namespace inferpi
