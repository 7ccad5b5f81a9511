//! Seeded pseudo-random choices (xorshift) for the fault campaigns, so a failing run replays
//! from its printed seed. Shared by the crash driver and the journeys through `#[path]`.

pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
