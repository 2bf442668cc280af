package bohpmod

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the script module "bohp": its object types (network.go,
// optimizer.go) and its functions.
var Module = &lib.Module{Name: "bohp", Doc: "plastic networks (Hebbian traces), episodes, losses, exact gradients (forward or bptt), optimizers, checkpoints", Types: []lib.Type{
	netMethods.Type("a plastic network with its episode state; copy(net) makes an independent clone of its architecture, tensors and options that starts a fresh episode; == is identity"),
	optMethods.Type("an optimizer with its state; opt.update(net) after each episode"),
}, Funcs: []lib.Func{
	lib.Fn("network", "(spec map) -> network", networkDoc(), network),
	lib.Fn("load", "(path string[, spec map]) -> map",
		"read a checkpoint written by network.save: {network, optimizer (undefined if none), meta}; with a network spec (as for bohp.network), a checkpoint whose architecture differs is an error; relative paths: the run's own directory when the run wrote it, else the script's folder, else the working directory (see the file sandbox)",
		load),
	lib.Fn("rmsprop", "([opts map]) -> optimizer",
		"the paper's RMSprop: m = g² first, then m += decay (g² - m); p += clip(-eta g/sqrt(m+eps), ±maxdw); then l1/l2 penalties on weights and alphas. opts: eta (0.01), maxdw (0: no clip), l1 (0), l2 (0), decay (0.01), eps (1e-8), "+gradOptionsDoc+"; eta, maxdw, l1 and l2 >= 0, eps > 0, decay in (0, 1]",
		optimizer("rmsprop")),
	lib.Fn("sgd", "([opts map]) -> optimizer",
		"plain gradient descent p -= lr g, then l1/l2 penalties on weights and alphas. opts: lr (0.01), l1 (0), l2 (0), "+gradOptionsDoc+"; lr, l1 and l2 >= 0",
		optimizer("sgd")),
	lib.Fn("adam", "([opts map]) -> optimizer",
		"Adam with bias correction, then l1/l2 penalties on weights and alphas. opts: lr (0.001), beta1 (0.9), beta2 (0.999), eps (1e-8; the 2019 code: 1e-6), l1 (0), l2 (0), "+gradOptionsDoc+"; lr, l1 and l2 >= 0, eps > 0, beta1 and beta2 in [0, 1)",
		optimizer("adam")),
	lib.Fn("actor_critic", "(outputs mat, actions array|vec, rewards array|vec[, opts map]) -> map", actorCriticDoc, actorCritic),
}, Values: []lib.Value{
	{Name: "engines", Doc: `the names of the gradient engines, ["bptt", "forward", "paper"], the default first (tasks.network checks p.engine against them)`, Value: engineNames},
}}

// gradOptionsDoc documents the options every optimizer has.
const gradOptionsDoc = "clip_norm (0: none; else the gradient is scaled so that its global L2 norm over the trained tensors is at most clip_norm, as PyTorch's clip_grad_norm_), " +
	"batch (1; n: update() adds the gradients of n episodes and applies their mean at every n-th call)"
