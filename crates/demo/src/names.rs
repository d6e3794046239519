//! Embedded name lists. Written for this crate (no external data set), broad enough
//! that a few thousand accounts rarely repeat a full name, and with the accents
//! Spanish names really carry so the UI and search are exercised with non-ASCII text.
//! The lists are laid out by hand (`rustfmt::skip`): rustfmt would give every name a
//! line of its own.

#[rustfmt::skip]
pub const ENGLISH_FIRST: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon",
    "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Kathleen",
    "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Emma", "Stephen", "Brenda", "Larry",
    "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha", "Benjamin", "Katherine",
    "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick", "Carolyn", "Frank",
    "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry", "Helen", "Tyler",
    "Catherine", "Aaron", "Diane", "Henry", "Julie", "Douglas", "Victoria", "Peter", "Joyce",
    "Adam", "Lauren", "Nathan", "Kelly", "Zachary", "Christina", "Walter", "Ruth", "Kyle", "Joan",
    "Harold", "Virginia", "Carl", "Judith", "Arthur", "Evelyn", "Gerald", "Hannah", "Roger",
    "Andrea", "Keith", "Megan", "Lawrence", "Cheryl", "Terry", "Jacqueline", "Sean", "Martha",
    "Christian", "Madison", "Ethan", "Teresa", "Austin", "Gloria", "Noah", "Sara", "Wei", "Mei",
    "Raj", "Priya", "Kwame", "Aisha", "Hiroshi", "Yuki", "Dmitri", "Olga",
];

#[rustfmt::skip]
pub const ENGLISH_LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell",
    "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
    "Morgan", "Peterson", "Cooper", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox",
    "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "James", "Hughes", "Price",
    "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "Fisher", "Henderson", "Coleman", "Simmons", "Patterson", "Jordan", "Reynolds",
    "Hamilton", "Graham", "Wallace", "West", "Cole", "Hayes", "Bryant", "Gibson", "Ellis",
    "Stevens", "Murray", "Ford", "Marshall", "Owens", "McDonald", "Harrison", "Kennedy", "Wells",
    "O'Brien", "O'Connor", "Nguyen", "Chen", "Wang", "Patel", "Kim", "Park", "Singh", "Tanaka",
    "Kowalski", "Novak", "Schmidt", "Fischer", "Larsen", "Johansson", "Okafor", "Mensah",
    "Abernathy", "Whitfield", "Harlow", "Pennington", "Ashford", "Caldwell", "Holloway",
    "Lindqvist",
];

#[rustfmt::skip]
pub const SPANISH_FIRST: &[&str] = &[
    "José", "María", "Juan", "Guadalupe", "Luis", "Carmen", "Carlos", "Rosa", "Jorge", "Ana",
    "Miguel", "Leticia", "Francisco", "Verónica", "Antonio", "Adriana", "Jesús", "Alejandra",
    "Manuel", "Gabriela", "Pedro", "Patricia", "Alejandro", "Claudia", "Ricardo", "Elena",
    "Fernando", "Lucía", "Javier", "Sofía", "Raúl", "Isabel", "Roberto", "Mónica", "Eduardo",
    "Daniela", "Sergio", "Beatriz", "Arturo", "Teresa", "Héctor", "Yolanda", "Óscar", "Silvia",
    "Ramón", "Marisol", "Andrés", "Alicia", "Rubén", "Ximena", "Enrique", "Valeria", "Ángel",
    "Paola", "Víctor", "Esperanza", "Rafael", "Graciela", "Diego", "Inés", "Emilio", "Lorena",
    "Mateo", "Camila", "Santiago", "Natalia", "Joaquín", "Araceli", "Tomás", "Dolores",
];

#[rustfmt::skip]
pub const SPANISH_LAST: &[&str] = &[
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz",
    "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza", "Álvarez", "Castillo", "Jiménez", "Vásquez",
    "Moreno", "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzmán", "Fernández", "Juárez",
    "Muñoz", "Salazar", "Romero", "Soto", "Delgado", "Contreras", "Peña", "Ríos", "Navarro", "Vega",
    "Domínguez", "Sandoval", "Estrada", "Núñez", "Cabrera", "Espinoza", "Figueroa", "Campos",
    "Ibarra", "Valdez", "Cervantes", "Fuentes", "Orozco", "Montoya", "Zamora", "Villanueva",
    "Acosta", "Beltrán", "Carrillo", "Durán", "Escobar", "Quintero",
];

/// First words of business names that read naturally before a trade.
#[rustfmt::skip]
pub const BUSINESS_STEMS: &[&str] = &[
    "Summit", "Pioneer", "Cascade", "Keystone", "Lakeside", "Redwood", "Blue Mesa", "Granite",
    "Harbor", "Prairie", "Silver Creek", "Evergreen", "Copper Canyon", "Northstar", "Riverbend",
    "Bayview", "Cornerstone", "Horizon", "Ironwood", "Liberty", "Meridian", "Oakridge", "Pinnacle",
    "Sterling", "Sunrise", "Tri-County", "Valley", "Westgate", "Brightline", "Crestview",
    "Foothill", "Highland", "Landmark", "Magnolia", "Parkside", "Union Square",
];

/// Spanish-language business name stems for the Spanish-speaking business accounts.
#[rustfmt::skip]
pub const SPANISH_BUSINESS_STEMS: &[&str] = &[
    "La Estrella", "El Sol", "Los Alamos", "La Esperanza", "Santa Fe", "El Mirador", "La Frontera",
    "San Miguel", "El Nopal", "La Palma", "Sierra Madre", "Monte Verde",
];

#[rustfmt::skip]
pub const TRADES: &[&str] = &[
    "Dental Group", "Logistics", "Property Management", "Family Medicine", "Auto Repair",
    "Insurance Agency", "Realty", "Construction", "Veterinary Clinic", "Law Offices", "Accounting",
    "Plumbing & Heating", "Landscaping", "Staffing", "Chiropractic", "Physical Therapy", "Electric",
    "Engineering", "Home Health", "Title Company", "Pharmacy", "Roofing", "Moving & Storage",
    "Pediatrics", "Orthodontics", "Wealth Advisors", "Distribution", "Animal Hospital", "Bakery",
    "Travel",
];

#[rustfmt::skip]
pub const SPANISH_TRADES: &[&str] = &[
    "Panadería", "Taquería", "Mercado", "Carnicería", "Clínica Familiar", "Seguros",
    "Envíos y Cambio", "Abogados", "Farmacia", "Mueblería",
];

pub const BUSINESS_SUFFIXES: &[&str] = &["LLC", "Inc.", "Co.", "LLP", "Group", "Partners", ""];

/// Lower-case ASCII for mailbox names and domains: accents dropped, anything else
/// that a mailbox or host name cannot hold removed.
pub fn ascii_slug(text: &str, separator: Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_separator = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            other => other,
        };
        if folded.is_ascii_alphanumeric() {
            if pending_separator && !out.is_empty() {
                out.extend(separator);
            }
            pending_separator = false;
            out.push(folded);
        } else if folded == ' ' || folded == '-' || folded == '&' {
            pending_separator = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(ascii_slug("Núñez", None), "nunez");
        assert_eq!(ascii_slug("O'Brien", None), "obrien");
        assert_eq!(ascii_slug("Plumbing & Heating", Some('-')), "plumbing-heating");
        assert_eq!(ascii_slug("Blue Mesa Dental Group", Some('-')), "blue-mesa-dental-group");
        assert_eq!(ascii_slug("Ángel", Some('.')), "angel");
    }
}
