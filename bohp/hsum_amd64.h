// Horizontal sums shared by the AVX2 kernels (reckernel_amd64.s,
// modkernel_amd64.s). Each leaves the sum of Y's lanes in the low lane of
// X, Y's low half, adding the lanes in a fixed order (pairwise, upper half
// onto lower); XT is scratch.

// HSUM_PS sums Y's eight float32 lanes.
#define HSUM_PS(Y, X, XT) \
	VEXTRACTF128 $1, Y, XT; \
	VADDPS       XT, X, X;  \
	VMOVHLPS     X, X, XT;  \
	VADDPS       XT, X, X;  \
	VMOVSHDUP    X, XT;     \
	VADDSS       XT, X, X

// HSUM_PD sums Y's four float64 lanes.
#define HSUM_PD(Y, X, XT) \
	VEXTRACTF128 $1, Y, XT; \
	VADDPD       XT, X, X;  \
	VUNPCKHPD    X, X, XT;  \
	VADDSD       XT, X, X
