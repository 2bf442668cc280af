// Package bohp trains neural networks with Hebbian plastic connections by
// backpropagation of Hebbian plasticity (Miconi 2016).
//
// It is the engine, plain Go: it owns networks and their episodes (step by
// step, or whole with RunEpisode), the gradient engines, losses,
// optimizers, the registry of plasticity rules and their settings
// (RuleKinds), cloning (Network.Clone), checkpoints and the comparison of
// a network with a spec (DiffSpec). It imports only bohpsh's internal/
// packages (and gonum, yaml); the script bindings in stdlib are thin
// adapters over it.
//
// A plastic connection from input k to cell i has a fixed weight W[i][k], a
// plasticity coefficient Alpha[i][k] and a Hebbian trace H[i][k] that changes
// during an episode and is reset to 0 at its start:
//
//	y_i(t)     = act( b_i + sum_k (W[i][k] + Alpha[i][k] H[i][k](t)) x_k(t) )
//	H[i][k](t+1) = rule(H[i][k](t), x_k(t), y_i(t))      (Hebb: g H + (1-g) x_k y_i)
//
// The output of a step is computed first, then the traces are updated.
//
// A Network is a feed-forward stack of Layers; any layer may be plastic
// (it has a Rule). An episode is Reset, then Step(x) and optionally Score
// (a loss against a target with a weight; weight 0 = not scored) per step,
// then EndEpisode, which leaves in every Param.Grad the exact gradient of the
// summed weighted loss. Two gradient engines compute it:
//
//   - EngineForward carries the derivatives of every trace with respect to
//     the parameters forward through the episode (the paper's eq. 3-4 made
//     exact: biases through the recursion, the exact activation derivative,
//     later layers by the chain rule, plastic layers at any position). It is
//     real-time recurrent learning specialised to this structure: for a plastic
//     layer with n inputs and m outputs, its own parameters cost
//     O(m n (2n+1)) memory and time per step (a cell's parameters reach only
//     that cell's traces); parameters of an earlier layer k with P_k
//     parameters cost O(m n P_k) for each later plastic layer. Memory does
//     not grow with the episode length.
//   - EngineBPTT records the episode (inputs, activations, and the traces
//     every 16 steps) and runs reverse mode through time at EndEpisode,
//     recomputing each 16-step segment's traces from its checkpoint:
//     O(T × sum of layer sizes + (T/16 + 16) × sum of trace sizes) memory
//     and about twice the forward cost in time. It is the cheaper engine
//     for wide layers and long episodes.
//
// Both agree with central finite differences to better than 1e-6 relative
// error and with each other to 1e-9 (see the tests).
//
// A recurrent layer (LayerSpec.Recurrent; recurrent.go) is the network of
// the 2018 successor, differentiable plasticity: its cells also receive
// their own outputs of the previous step through plastic connections,
// y(t) = act(b + input(t) + (W + Alpha ⊙ H) y(t-1)), with a Hebbian or Oja
// trace whose rate may be trained (tensor "<layer>.eta", per layer or per
// cell), the input through weights or added directly, and float64 or
// float32 matrices. Only EngineBPTT supports it: it runs the trace updates
// backwards instead of storing the traces (it stores one only where
// running back would amplify rounding errors too much), in one fused sweep
// over the N×N matrices per step (AVX2/FMA assembly where available,
// reckernel_amd64.s), optionally shared by several goroutines
// (Network.SetWorkers; results do not depend on it).
//
// Optimizers (RMSprop as in the paper's code, SGD, Adam) update the
// parameters after an episode, honouring per-tensor options: frozen, a sign
// constraint, a fixed value. Checkpoints save and load the whole network and
// optimizer state as YAML. Non-finite values are reported as errors naming
// the step and the tensor, never carried on.
//
// # Extending
//
// The plasticity rule is an interface (Rule) that returns the new trace of
// one connection and its partial derivatives; layers and both gradient
// engines use nothing else of it, so an elementwise rule (Oja's is
// shipped, instar, outstar, ...) is a new type plus its entry in the rule
// registry (its name and settings with their valid ranges, which
// construction, checkpoints, scripts and the docs all read), and callers
// only pass it in LayerSpec.Rule. Rules with state or parameters of their own — covariance
// learning with running means, eligibility traces under neuromodulation, a
// trained trace rate — add a new layer kind (as the recurrent layer does):
// callers still only describe it in a LayerSpec (new fields are additive),
// and the engines grow a case for its tangents (forward) and adjoints
// (bptt), checked by the same finite-difference tests (grad_test.go).
//
// The recurrent layer is such a kind: the network and BPTT reach it only
// through the layerKind interface (a step forward; per step backward, the
// adjoints; recurrent.go). A rule whose update of row j is affine in the
// trace, H' = d(η, y_j) H + c(η, y_j) x, is a rateRule (rate.go) and runs on
// the existing kernels with a trained or fixed rate. Other dynamics — a
// neuromodulated update, a clipped trace, an eligibility trace — are
// another layerKind implementation with their own sweeps (parallel.go runs
// any sweep over row chunks deterministically); where their update cannot
// be run backwards (a clip), they store traces as recState does past its
// amplification bound.
//
// Reward-driven episodes sample actions from a softmax policy with
// RNG.Categorical (one draw per sample, so a run stays reproducible from its
// seed) and are scored once over, when the rewards are known: ActorCritic
// returns the advantage actor-critic loss of a recorded episode (discounted
// returns, a value baseline, an entropy bonus) and its exact gradient with
// respect to each step's policy logits and value output.
//
// No per-step allocation: buffers are sized when the network is built (BPTT's
// tape grows to the longest episode once and is reused).
package bohp
