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
// EnginePaper is the forward engine with the two approximations of the
// 2016 paper's own code (hidden biases by their leading term only, the tanh
// factor 1 − tanh(y)² of the output; paper.go), for reproducing that code's
// runs. Its gradient is approximate by design: GradCheck reports it as
// such (GradCheckResult.Approximate), and Engine.Exact is false.
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
// Neuromodulated layers (modulated.go) are the networks of the 2019
// successor, backpropamine: with the rule "modulated" the layer computes a
// modulation M(t) = tanh(mod_w · y(t) + mod_b) (optionally per cell,
// f_i M(t) + g_i) that gates its Hebbian update, P ← clip(P + M(t) y xᵀ,
// -c, c); with "retroactive" it gates an eligibility trace instead,
// E ← (1-η_E) E + η_E y xᵀ, P ← clip(P + M(t) E, -c, c); "clipped_hebb" is
// the 2019 code's non-modulated baseline, P ← clip(P + η y xᵀ, -c, c), with a
// trained η. They are layer kinds, on feed-forward and recurrent layers
// alike (a recurrent layer without a rule is the plain recurrent network),
// differentiated exactly by BPTT (modulated_bptt.go; the clip's derivative
// is 0 where it binds), which recomputes their traces from checkpoints
// rather than running the clipped updates backwards. With the hard bound
// their sweeps over the rows run AVX2/FMA kernels where available
// (modkernel_amd64.s), and are shared like the recurrent layer's. The
// forward engine refuses them: the modulator couples every cell's traces.
//
// Optimizers (RMSprop as in the paper's code, SGD, Adam) update the
// parameters after an episode, honouring per-tensor options: frozen, a sign
// constraint, a fixed value; every optimizer can also average the gradients
// of a batch of episodes and clip the gradient's global norm
// (GradOptions). Checkpoints save and load the whole network and
// optimizer state as YAML. Non-finite values are reported as errors naming
// the step and the tensor, never carried on.
//
// # Extending
//
// A plasticity rule (Rule) is what the rule registry knows of it: its name
// and settings with their valid ranges, which construction, checkpoints,
// scripts and the docs all read; callers only pass it in LayerSpec.Rule.
// An elementwise rule (ElementRule) returns the new trace of one connection
// and its partial derivatives; layers and both gradient engines use nothing
// else of it, so a new one (Oja's is shipped, instar, outstar, ...) is a new
// type plus its registry entry. Rules with state or parameters of their own
// — covariance learning with running means, neuromodulation, eligibility
// traces, a trained trace rate — are a layer kind: callers still only
// describe it in a LayerSpec (new fields are additive), and the engines
// grow a case for its tangents (forward) or adjoints (bptt), checked by the
// same finite-difference tests.
//
// The recurrent and neuromodulated layers are such kinds: the network and
// BPTT reach them only through the layerKind interface (a step forward; per
// step backward, the adjoints; recurrent.go). A rule whose update of row j
// is affine in the trace, H' = d(η, y_j) H + c(η, y_j) x, is a rateRule
// (rate.go) and runs on the recurrent layer's kernels with a trained or
// fixed rate, BPTT running its updates backwards. The neuromodulated rules
// are another implementation (modState), whose clipped updates cannot be
// run backwards: BPTT replays them from checkpoints instead. parallel.go
// runs any sweep over row chunks deterministically.
//
// Reward-driven episodes sample actions from a softmax policy (SoftmaxInto,
// RNG.Categorical: one draw per sample, so a run stays reproducible from
// its seed) and are scored once over, when the rewards are known:
// ActorCritic returns the advantage actor-critic loss of a recorded episode
// (discounted returns, a value baseline, an exploration bonus) and its
// exact gradient with respect to each step's policy logits and value
// output, which Network.ScoreSteps (or ScoreAt, step by step) adds to the
// episode after the fact, before EndEpisode (BPTT only). A network with a
// policy and a value head ends in one linear layer of K+1 cells: K action
// logits and the value, each a linear function of the layer below, as two
// separate heads would be.
//
// A layer exposes its per-step quantities through Layer.States (a plastic
// layer its Hebbian traces); Network.Record records them over an episode,
// with the inputs, outputs and targets, subsampled evenly past a limit
// per step (record.go). A new layer kind makes its own — a modulation
// signal, eligibility traces — appear in recordings and their figures by
// implementing stater.
//
// No per-step allocation: buffers are sized when the network is built (BPTT's
// tape grows to the longest episode once and is reused).
package bohp
