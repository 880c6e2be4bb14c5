//! Pictures of the seed programs' state machines: writes `docs/diagrams/<function>.dot` (Graphviz:
//! `dot -Tsvg docs/diagrams/print_sum.dot -o print_sum.svg`) and `<function>.mmd` (Mermaid,
//! rendered by GitHub inside a ```` ```mermaid ```` block), or prints them with `--print`.
//!
//! ```text
//! cargo run --example diagrams            # writes docs/diagrams/
//! cargo run --example diagrams -- --print # prints them instead
//! ```

#[allow(dead_code)]
#[path = "averager.rs"]
mod averager;
#[allow(dead_code)]
#[path = "fibonacci.rs"]
mod fibonacci;
#[allow(dead_code)]
#[path = "hello_world.rs"]
mod hello_world;
#[allow(dead_code)]
#[path = "print_sum.rs"]
mod print_sum;

use coroutines::{Diagram, Stack};

fn main() -> std::io::Result<()> {
    let diagrams: [Option<Diagram>; 6] = [
        hello_world::hello_world().diagram(),
        print_sum::compute(1, 2).diagram(),
        print_sum::print_sum(1, 2).diagram(),
        fibonacci::fibonacci(10).diagram(),
        averager::averager().diagram(),
        averager::grouper("girls;kg").diagram(),
    ];
    let print = std::env::args().any(|arg| arg == "--print");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagrams");
    if !print {
        std::fs::create_dir_all(&dir)?;
    }
    for diagram in diagrams.into_iter().flatten() {
        if print {
            println!("{}\n{}", diagram.dot, diagram.mermaid);
        } else {
            std::fs::write(dir.join(format!("{}.dot", diagram.function)), diagram.dot)?;
            std::fs::write(
                dir.join(format!("{}.mmd", diagram.function)),
                diagram.mermaid,
            )?;
            println!("wrote docs/diagrams/{}.{{dot,mmd}}", diagram.function);
        }
    }
    Ok(())
}
